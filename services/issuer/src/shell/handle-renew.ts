import { AppError, ErrorCode, type CredentialReply, type RenewRequest } from '@fedplane/core';
import { NONCE_MEMORY_MS } from '../adapters/pg-nonces.js';
import type { OutboxEvent } from '../adapters/pg-outbox.js';
import { recordNonceAndLock, writeRegistration } from '../adapters/pg-registrations.js';
import { withTransaction } from '../adapters/pg-transaction.js';
import { RegistrationStatus, deny, type Denial, type Registration } from '../core/registration.js';
import { checkRenewRequest, type CheckedRenewal } from '../core/renew-check.js';
import { decideRenew } from '../core/renew-decision.js';
import { suppressedDetail } from './refusal-gate.js';
import { denialError, toSeconds, type IssuerDeps } from './issuer-deps.js';
import { credentialDenied, nodeRevoked, reuseDetected } from './issuer-events.js';
import { mintLeaf } from './mint.js';
import { tryFastRenew } from './renew-fast-path.js';

/**
 * `fed.issuer.renew` (identity.md): renewal by proof of possession. Stateless checks first
 * (`checkRenewRequest`: ts window, chain against the published bundle, PoP); then, in one
 * transaction, the shared nonce record (replay → refused), the registration row lock and
 * `decideRenew`: issue the next credential, repeat a lost reply byte for byte, or lock the node
 * on reuse of a superseded credential. Refusals roll back (nothing changes) and emit
 * `credential.denied`; reuse commits the lock and emits `credential.reuse_detected` and
 * `node.revoked`.
 */

type Outcome =
  | {
      readonly kind: 'reply';
      readonly reply: string;
      readonly events: OutboxEvent[];
      /** The issuance committed, for the lineage cache. */
      readonly latest?: { readonly id: string; readonly registration: Registration };
    }
  | { readonly kind: 'reuse'; readonly events: OutboxEvent[] }
  | Denial;

async function decideAndApply(
  deps: IssuerDeps,
  request: RenewRequest,
  checked: CheckedRenewal,
  cause: string | undefined,
): Promise<Outcome> {
  const nodeId = checked.claims.subject_agent_id;
  const nowMs = deps.clock.nowMs();
  const causeField = cause === undefined ? {} : { cause };
  return withTransaction(deps.pool, async (db, tx): Promise<Outcome> => {
    const { fresh, registration } = await recordNonceAndLock(db, {
      nodeId,
      nonce: request.nonce,
      nowMs,
      memoryMs: NONCE_MEMORY_MS,
    });
    if (!fresh) {
      tx.rollbackOnly();
      return deny(ErrorCode.UNAUTHENTICATED, 'renew_nonce_replay', 'nonce already used');
    }
    const decision = decideRenew({
      registration,
      presentedId: checked.presentedId,
      defaultTtlS: deps.policy.leafTtlS,
    });
    switch (decision.kind) {
      case 'deny':
        tx.rollbackOnly();
        return decision;
      case 'retry':
        return { kind: 'reply', reply: decision.reply, events: [] };
      case 'reuse': {
        if (registration === undefined) throw new Error('reuse without a registration');
        const events = [
          reuseDetected({
            nodeId,
            presentedId: decision.presentedId,
            latestId: decision.latestId,
            generation: decision.generation,
            ...causeField,
          }),
          nodeRevoked({
            nodeId,
            reason: 'credential reuse detected',
            trigger: 'reuse_detected',
            lastCredentialId: decision.latestId,
            lastNotAfter: decision.lastNotAfter,
            ...causeField,
          }),
        ].map((e) => deps.events.build(e));
        await writeRegistration(
          db,
          { ...registration, status: RegistrationStatus.revoked, generation: decision.generation },
          { nowMs, revokedReason: 'credential reuse detected' },
          events,
        );
        return { kind: 'reuse', events };
      }
      case 'issue': {
        if (registration === undefined) throw new Error('issue without a registration');
        const minted = await mintLeaf(deps, db, {
          nodeId,
          region: decision.region,
          publicKey: checked.nextPublicKey,
          ttlS: decision.ttlS,
          lastNotAfter: registration.lastNotAfter,
          nowMs,
          via: 'renew',
          generation: decision.generation,
          ...causeField,
        });
        const replyText = JSON.stringify(minted.reply);
        const events = [...minted.events];
        const written: Registration = {
          ...registration,
          generation: decision.generation,
          lastCredentialId: minted.issued.credentialId,
          prevCredentialId: decision.previousId,
          lastNotAfter: minted.issued.claims.not_after,
          lastReply: replyText,
          lastPresentedAtMs: null,
        };
        await writeRegistration(db, written, { nowMs, issued: true }, events);
        return {
          kind: 'reply',
          reply: replyText,
          events,
          latest: { id: minted.issued.credentialId, registration: written },
        };
      }
      default: {
        const never: never = decision;
        return never;
      }
    }
  });
}

/**
 * Renews and returns the reply. The reply of a lost-reply retry is the stored JSON text, parsed
 * back: serialising it again gives the very same bytes.
 */
export async function handleRenew(
  deps: IssuerDeps,
  request: RenewRequest,
  cause?: string,
): Promise<CredentialReply> {
  const verifier = deps.trust.verifier();
  if (verifier === undefined) throw new AppError(ErrorCode.UNAVAILABLE, 'no trust bundle yet');
  const checked = checkRenewRequest(request, verifier, toSeconds(deps.clock.nowMs()), {
    signedHere: (id) => deps.lineage.has(id),
  });
  const refuse = (denial: Denial, nodeId?: string): never => {
    const gate = deps.refusals.admit(denial);
    if (gate.record) {
      deps.events.publishDirect(
        credentialDenied({
          operation: 'renew',
          reason: denial.reason,
          nodeId,
          ...suppressedDetail(gate.suppressed),
          ...(cause === undefined ? {} : { cause }),
        }),
      );
      deps.log.info(
        { node_id: nodeId, reason: denial.reason, suppressed: gate.suppressed },
        'renewal refused',
      );
    }
    throw denialError(denial);
  };
  if (checked.kind === 'deny') return refuse(checked);
  const nodeId = checked.claims.subject_agent_id;
  let outcome: Outcome;
  try {
    outcome =
      (await tryFastRenew(deps, request, checked, cause).then((fast) =>
        fast?.kind === 'issued'
          ? { ...fast, kind: 'reply' as const, events: [...fast.events] }
          : fast,
      )) ?? (await decideAndApply(deps, request, checked, cause));
  } catch (err) {
    // The new key failed core's curve check at signing (the transaction rolled back).
    if (err instanceof AppError && err.details['reason'] === 'issuer_invalid_subject_key') {
      return refuse(
        deny(
          ErrorCode.BAD_REQUEST,
          'issuer_invalid_subject_key',
          'new_public_key is not an Ed25519 key',
        ),
        nodeId,
      );
    }
    throw err;
  }
  if (outcome.kind === 'deny') return refuse(outcome, nodeId);
  deps.events.committed(outcome.events);
  if (outcome.kind === 'reply' && outcome.latest !== undefined) {
    deps.lineage.remember(outcome.latest.id, outcome.latest.registration);
  }
  if (outcome.kind === 'reuse') {
    deps.log.warn({ node_id: nodeId }, 'credential reuse detected; node locked');
    throw new AppError(ErrorCode.FORBIDDEN, 'superseded credential presented; node locked', {
      details: { reason: 'credential_reuse_detected' },
    });
  }
  deps.log.debug(
    { node_id: nodeId, retry: outcome.events.length === 0 },
    outcome.events.length === 0 ? 'renewal retry answered' : 'credential renewed',
  );
  return JSON.parse(outcome.reply) as CredentialReply;
}
