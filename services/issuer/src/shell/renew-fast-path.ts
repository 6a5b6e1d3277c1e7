import { ErrorCode, type RenewRequest } from '@fedplane/core';
import { NONCE_MEMORY_MS } from '../adapters/pg-nonces.js';
import type { OutboxEvent } from '../adapters/pg-outbox.js';
import { readRenewState } from '../adapters/pg-registrations.js';
import { deny, type Denial, type Registration } from '../core/registration.js';
import type { CheckedRenewal } from '../core/renew-check.js';
import { decideRenew } from '../core/renew-decision.js';
import type { IssuerDeps } from './issuer-deps.js';
import { mintLeafIfReady } from './mint.js';

/**
 * The renewal fast path (the common case: a node renews its latest credential). No transaction:
 * the registration comes from this process's lineage cache (it wrote it) or from one unlocked
 * read, `decideRenew` decides, the leaf is signed, and ONE compare-and-set statement records the
 * issuance, the nonce and the outbox event only if the registration is still exactly what was
 * decided on — in one statement with the renewals of other nodes arriving at the same moment
 * (group commit over adapters/pg-renew-cas.ts: a burst costs one round trip and one commit per
 * batch, not per renewal). Anything else — a retry, reuse, an unknown or revoked node, a lost race, a region
 * intermediate to re-mint — returns `undefined` and the caller takes the locked path, which
 * decides again from the row under its lock. Same outcomes, fewer round trips (1–2 instead of 4).
 */

/** What the fast path did. */
export type FastRenewal =
  | {
      readonly kind: 'issued';
      readonly reply: string;
      readonly events: readonly OutboxEvent[];
    }
  | Denial;

/** Tries the fast path; `undefined` means "take the locked path" (nothing was written). */
export async function tryFastRenew(
  deps: IssuerDeps,
  request: RenewRequest,
  checked: CheckedRenewal,
  cause: string | undefined,
): Promise<FastRenewal | undefined> {
  const nodeId = checked.claims.subject_agent_id;
  const nowMs = deps.clock.nowMs();
  let registration: Registration | undefined = deps.lineage.get(checked.presentedId);
  if (registration?.nodeId !== nodeId) {
    const read = await readRenewState(deps.pool, { nodeId, nonce: request.nonce, nowMs });
    if (read === undefined) return undefined;
    if (read.nonceSeen) {
      return deny(ErrorCode.UNAUTHENTICATED, 'renew_nonce_replay', 'nonce already used');
    }
    registration = read.registration;
  }
  const decision = decideRenew({
    registration,
    presentedId: checked.presentedId,
    defaultTtlS: deps.policy.leafTtlS,
  });
  if (decision.kind !== 'issue') return undefined;
  const minted = await mintLeafIfReady(deps, deps.pool, {
    nodeId,
    region: decision.region,
    publicKey: checked.nextPublicKey,
    ttlS: decision.ttlS,
    lastNotAfter: registration.lastNotAfter,
    nowMs,
    via: 'renew',
    generation: decision.generation,
    ...(cause === undefined ? {} : { cause }),
  });
  if (minted === undefined) return undefined;
  const reply = JSON.stringify(minted.reply);
  const written = await deps.renewWrites.submit({
    expected: registration,
    presentedId: checked.presentedId,
    generation: decision.generation,
    credentialId: minted.issued.credentialId,
    notAfter: minted.issued.claims.not_after,
    reply,
    nonce: request.nonce,
    nonceExpiresMs: nowMs + NONCE_MEMORY_MS,
    nowMs,
    events: minted.events,
  });
  deps.lineage.forget(checked.presentedId);
  if (!written) return undefined;
  deps.lineage.remember(minted.issued.credentialId, {
    ...registration,
    generation: decision.generation,
    lastCredentialId: minted.issued.credentialId,
    prevCredentialId: checked.presentedId,
    lastNotAfter: minted.issued.claims.not_after,
    lastPresentedAtMs: null,
  });
  return { kind: 'issued', reply, events: minted.events };
}
