/** Real NATS peers of the reconciler suites: issuer admin, node agents, approvals. */
import {
  AgentRenewRequestSchema,
  ApprovalRequestSchema,
  EnrollRequestSchema,
  RevokeRequestSchema,
  publicKeyFromSeed,
  sha256Hex,
  utf8,
} from '@fedplane/core';
import {
  FixedSubject,
  addServiceEndpoints,
  agentRenewSubject,
  defineEndpoint,
  newEventStamp,
  publishEvent,
} from '@fedplane/messaging';
import {
  NODE_SEED,
  SILENT,
  publishStatus,
  signerFor,
  type ReconcilerWorld,
} from './reconciler-fixtures.js';

/** Calls the admin and agent peers received, per subject kind and node. */
export type PeerCalls = {
  enroll: string[];
  revoke: string[];
  renew: string[];
  approvals: { node_id: string; pending_id: string }[];
  /** Join tokens handed out (to check none reaches the bus). */
  tokens: string[];
};

/**
 * Real NATS peers standing in for the issuer's admin endpoints (`fed.issuer.enroll|revoke`),
 * the node agents' `fed.agent.<node>.renew` (which re-publish a good status, as a renewed agent
 * would) and, when `approvals` is set, `fed.approvals.request` answered `pending` followed by a
 * signed `approval.decided` event from an approvals identity.
 */
export async function startPeers(
  world: ReconcilerWorld,
  options: { readonly agents?: readonly string[]; readonly approvals?: 'approve' | 'deny' } = {},
): Promise<{ calls: PeerCalls; stop(): Promise<void> }> {
  const calls: PeerCalls = { enroll: [], revoke: [], renew: [], approvals: [], tokens: [] };
  let n = 0;
  const issuerAdmin = await addServiceEndpoints(world.bus.nc, {
    name: 'issuer-admin-test',
    version: '0.0.1',
    description: 'test issuer admin endpoints',
    log: SILENT,
    endpoints: [
      defineEndpoint({
        subject: FixedSubject.issuerEnroll,
        schema: EnrollRequestSchema,
        handler: (req) => {
          calls.enroll.push(req.node_id);
          n += 1;
          const token = `tok_${String(n).padStart(4, '0')}_abcdefghijklmnopqrstuvwxyz`;
          calls.tokens.push(token);
          return Promise.resolve({
            join_token: token,
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
          });
        },
      }),
      defineEndpoint({
        subject: FixedSubject.issuerRevoke,
        schema: RevokeRequestSchema,
        handler: (req) => {
          calls.revoke.push(req.node_id);
          return Promise.resolve({ node_id: req.node_id, status: 'revoked', last_not_after: null });
        },
      }),
    ],
  });
  const services = [issuerAdmin];
  for (const node of options.agents ?? []) {
    services.push(
      await addServiceEndpoints(world.bus.nc, {
        name: 'renewal-agent',
        version: '0.0.1',
        description: 'test agent',
        log: SILENT,
        endpoints: [
          defineEndpoint({
            subject: agentRenewSubject(node),
            schema: AgentRenewRequestSchema,
            handler: async () => {
              calls.renew.push(node);
              await publishStatus(world, node);
              const issued = world.issuer.issue(node, publicKeyFromSeed(NODE_SEED));
              return {
                renewed: true,
                status: {
                  node_id: node,
                  credential_id: sha256Hex(utf8(issued.header)),
                  issuer_id: world.issuer.issuerId,
                  not_before: issued.claims.not_before,
                  not_after: issued.claims.not_after,
                  can_sign: true,
                  agent_version: 'test',
                  last_renewal_at: null,
                },
              };
            },
          }),
        ],
      }),
    );
  }
  const decision = options.approvals;
  if (decision !== undefined) {
    const approvalsSigner = signerFor(world, 'svc/approvals/test');
    services.push(
      await addServiceEndpoints(world.bus.nc, {
        name: 'approvals',
        version: '0.0.1',
        description: 'test approvals',
        log: SILENT,
        endpoints: [
          defineEndpoint({
            subject: FixedSubject.approvalsRequest,
            schema: ApprovalRequestSchema,
            handler: (req) => {
              const pendingId = newEventStamp().id;
              const nodeId = String(req.payload['node_id']);
              calls.approvals.push({ node_id: nodeId, pending_id: pendingId });
              // Decide a moment later, as a human would, through the signed event.
              setTimeout(() => {
                void publishEvent(world.bus.js, approvalsSigner, {
                  ...newEventStamp(),
                  type: 'approval.decided',
                  actor: approvalsSigner.agentId,
                  subject: pendingId,
                  data: {
                    pending_id: pendingId,
                    action_type: req.action_type,
                    namespace: req.namespace,
                    requested_by: req.requested_by,
                    decision,
                    decider: 'human/operator',
                    remember: 'once',
                  },
                });
              }, 200);
              return Promise.resolve({ pending_id: pendingId, status: 'pending' });
            },
          }),
        ],
      }),
    );
  }
  return {
    calls,
    stop: async () => {
      await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
    },
  };
}
