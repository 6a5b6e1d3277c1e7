import {
  AppError,
  ErrorCode,
  SinceQuerySchema,
  SyncPushBodySchema,
  parseSchema,
} from '@fedplane/core';
import {
  addServiceEndpoints,
  defineEndpoint,
  signedHeaderValues,
  syncPushSubject,
  syncSinceSubject,
  type Log,
  type ParseSchema,
} from '@fedplane/messaging';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Service } from '@nats-io/services';
import { claimedSubject, signatureReplayToken } from '../core/edge-nats-auth.js';
import { senderWallClockMs } from '../core/edge-request.js';
import { checkPeerAllowlist, checkPushSender, type SenderProblem } from '../core/edge-sender.js';
import type { AuthProblem, RequestAuthDecision } from '../core/request-auth.js';
import type { EdgeAuth } from '../shell/edge-auth.js';
import type { SyncEngine, SyncSender } from '../shell/ports.js';

/**
 * `fed.sync.<node>.push` and `fed.sync.<node>.since` (bus.md; the NATS forms of the HTTP routes)
 * through `@nats-io/services` (service `sync-gateway`, queue group `q`). A request is signed as
 * every bus message is (`Fed-Signature` over the exact body bytes, `Fed-Credential` +
 * `Fed-Credential-Chain`); the claimed peer is the credential subject. The same posture rules as
 * HTTP apply (core `decideRequestAuth`): strict refuses any failure with `UNAUTHENTICATED`
 * (`details.reason` = the tag), permissive accepts unverified. A push is then held to the peer
 * allowlist (`x_peer_id_not_in_allowlist`) and the sender attestation of `sender_agent_id`
 * (`FORBIDDEN`) against that subject, as over HTTP. Push replay protection: the
 * signature is the replay key (remembered 10 minutes) and `sender_wall_clock` must be within the
 * window; reads have no replay gate (a replayed read returns what the captured one did).
 * Replies: push → the report, or the `quorum_not_met` body (a success reply: the write is
 * committed); `invalid` → `BAD_REQUEST` with `issues`; since → the page.
 */

/** Options of {@link startSyncEndpoints}. */
export type SyncEndpointsOptions = {
  /** The node this gateway acts as (`fed.sync.<node>.*`). */
  readonly nodeId: string;
  readonly engine: SyncEngine;
  /** The authenticator shared with the HTTP edge. */
  readonly auth: EdgeAuth;
  readonly log: Log;
  /** Largest push request in bytes (`SYNC_MAX_BODY_BYTES`; `TOO_LARGE` beyond). */
  readonly maxBodyBytes: number;
  /** Service version in `$SRV.INFO` (default `0.1.0`). */
  readonly version?: string;
};

/** Passes the parsed JSON through: authentication runs before the schema. */
const ANY_JSON: ParseSchema<unknown> = {
  safeParse: (input: unknown) => ({ success: true as const, data: input }),
};

function unauthenticated(problem: AuthProblem): AppError {
  return new AppError(ErrorCode.UNAUTHENTICATED, problem.tag, {
    details: { ...problem.details, reason: problem.tag },
  });
}

function senderError(problem: SenderProblem): AppError {
  const { tag, ...details } = problem;
  const code =
    tag === 'x_peer_id_not_in_allowlist' ? ErrorCode.UNAUTHENTICATED : ErrorCode.FORBIDDEN;
  return new AppError(code, tag, { details: { ...details, reason: tag } });
}

function invalid(message: string, issues: readonly unknown[]): AppError {
  return new AppError(ErrorCode.BAD_REQUEST, message, { details: { issues } });
}

function authenticate(
  auth: EdgeAuth,
  input: {
    readonly route: 'push' | 'since';
    readonly ctx: { readonly headers: Parameters<typeof signedHeaderValues>[0] };
    readonly body: Uint8Array;
    readonly request: unknown;
    readonly requestId: string;
  },
): RequestAuthDecision & { readonly outcome: 'accept' } {
  const signed = signedHeaderValues(input.ctx.headers);
  const push = input.route === 'push';
  const decision = auth.authenticate({
    transport: 'nats',
    route: input.route,
    headers: {
      peerId: claimedSubject(signed.credential),
      credential: signed.credential,
      chain: signed.chain,
      signature: signed.signature,
      nonce: push ? signatureReplayToken(signed.signature) : undefined,
    },
    target: {
      kind: 'message',
      body: input.body,
      senderWallClockMs: push ? senderWallClockMs(input.request) : null,
    },
    requestId: input.requestId,
    ...(push ? {} : { requireNonce: false }),
  });
  if (decision.outcome === 'refuse') throw unauthenticated(decision.problem);
  return decision;
}

/**
 * Registers both endpoints for `nodeId` and returns the service (`service.stop()` stops intake).
 * Throws `BAD_REQUEST` when `nodeId` is not a valid agent id.
 */
export async function startSyncEndpoints(
  nc: NatsConnection,
  options: SyncEndpointsOptions,
): Promise<Service> {
  const { engine, auth } = options;
  const push = defineEndpoint({
    subject: syncPushSubject(options.nodeId),
    name: 'push',
    schema: ANY_JSON,
    maxBytes: options.maxBodyBytes,
    handler: async (request, ctx) => {
      const decision = authenticate(auth, {
        route: 'push',
        ctx,
        body: ctx.body,
        request,
        requestId: ctx.requestId,
      });
      const body = parseSchema(SyncPushBodySchema, request);
      if (!body.ok) throw invalid('malformed sync_push body', body.error.issues);
      let peerId = body.value.sender_agent_id;
      if (decision.peerId !== undefined) {
        const allowed = checkPeerAllowlist(auth.scopes(), decision.peerId);
        if (!allowed.ok) throw senderError(allowed.problem);
        const sender = checkPushSender(auth.scopes(), decision.peerId, body.value.sender_agent_id);
        if (!sender.ok) throw senderError(sender.problem);
        peerId = decision.peerId;
      }
      const outcome = await engine.push(body.value, { peerId, verified: decision.verified });
      switch (outcome.kind) {
        case 'quorum_met':
          return outcome.report;
        case 'quorum_not_met':
          return outcome.body;
        case 'invalid':
          throw invalid('invalid records', outcome.issues);
      }
    },
  });
  const since = defineEndpoint({
    subject: syncSinceSubject(options.nodeId),
    name: 'since',
    schema: ANY_JSON,
    handler: async (request, ctx) => {
      const decision = authenticate(auth, {
        route: 'since',
        ctx,
        body: ctx.body,
        request,
        requestId: ctx.requestId,
      });
      const query = parseSchema(SinceQuerySchema, request);
      if (!query.ok) throw invalid('invalid sync_since query', query.error.issues);
      const peerId = decision.peerId ?? query.value.peer;
      const sender: SyncSender | undefined =
        peerId === undefined ? undefined : { peerId, verified: decision.verified };
      return engine.since(query.value, sender);
    },
  });
  return addServiceEndpoints(nc, {
    name: 'sync-gateway',
    version: options.version ?? '0.1.0',
    description: 'Sync gateway of one node: push records, read keyset pages of its replica',
    log: options.log,
    endpoints: [push, since],
    metadata: { node_id: options.nodeId },
  });
}
