import { randomBytes } from 'node:crypto';
import {
  sha256Hex,
  utf8,
  type EnrollReply,
  type EnrollRequest,
  type RevokeReply,
  type RevokeRequest,
} from '@fedplane/core';
import { deleteUnusedJoinTokens, insertJoinToken } from '../adapters/pg-join-tokens.js';
import type { OutboxEvent } from '../adapters/pg-outbox.js';
import { lockRegistration, writeRegistration } from '../adapters/pg-registrations.js';
import { withTransaction } from '../adapters/pg-transaction.js';
import { decideEnroll, decideRevoke } from '../core/enroll-decision.js';
import { RegistrationStatus, type Denial } from '../core/registration.js';
import { denialError, type IssuerDeps } from './issuer-deps.js';
import { nodeEnrolled, nodeRevoked } from './issuer-events.js';

/**
 * `fed.issuer.enroll` and `fed.issuer.revoke` (admin, identity.md): register / re-enable a node
 * and mint its single-use join token; deny all further issuance to a node.
 */

/** Bytes of randomness in a join token (256 bits; base64url, 43 characters). */
export const JOIN_TOKEN_BYTES = 32;

/**
 * Enrolls `request.node_id`: writes the registration, replaces its unused tokens with a fresh one
 * (or adds one next to them with `keep_tokens`; stored only as SHA-256) and stages
 * `node.enrolled`, in one transaction. The token is returned once and never logged.
 */
export async function handleEnroll(
  deps: IssuerDeps,
  request: EnrollRequest,
  cause?: string,
): Promise<EnrollReply> {
  const nowMs = deps.clock.nowMs();
  const token = randomBytes(JOIN_TOKEN_BYTES).toString('base64url');
  const outcome = await withTransaction(
    deps.pool,
    async (db, tx): Promise<Denial | { events: OutboxEvent[]; expiresAt: string }> => {
      const registration = await lockRegistration(db, request.node_id);
      const decision = decideEnroll({
        nodeId: request.node_id,
        region: request.region,
        ttlS: request.ttl_s,
        registration,
        nowMs,
        tokenTtlMs: deps.policy.joinTokenTtlMs,
      });
      if (decision.kind === 'deny') {
        tx.rollbackOnly();
        return decision;
      }
      const reg = decision.registration;
      const expiresAt = new Date(decision.tokenExpiresAtMs).toISOString();
      const events = [
        deps.events.build(
          nodeEnrolled({
            nodeId: reg.nodeId,
            region: reg.region,
            generation: reg.generation,
            ttlS: reg.credTtlS,
            tokenExpiresAt: expiresAt,
            ...(cause === undefined ? {} : { cause }),
          }),
        ),
      ];
      await writeRegistration(
        db,
        reg,
        {
          nowMs,
          enrolled: true,
          ...(decision.mode === 'reenabled' ? { revokedReason: null } : {}),
        },
        events,
      );
      if (request.keep_tokens !== true) await deleteUnusedJoinTokens(db, reg.nodeId);
      await insertJoinToken(db, {
        sha256: sha256Hex(utf8(token)),
        nodeId: reg.nodeId,
        nowMs,
        expiresAtMs: decision.tokenExpiresAtMs,
      });
      deps.log.info(
        { node_id: reg.nodeId, mode: decision.mode, generation: reg.generation },
        'node enrolled',
      );
      return { events, expiresAt };
    },
  );
  if ('kind' in outcome) throw denialError(outcome);
  deps.events.committed(outcome.events);
  return { join_token: token, expires_at: outcome.expiresAt };
}

/**
 * Revokes `request.node_id`: status `revoked`, no further issuance, `node.revoked` staged. An
 * already revoked node is answered as is (nothing written); an unknown one is `NOT_FOUND`.
 */
export async function handleRevoke(
  deps: IssuerDeps,
  request: RevokeRequest,
  cause?: string,
): Promise<RevokeReply> {
  const nowMs = deps.clock.nowMs();
  const outcome = await withTransaction(deps.pool, async (db, tx) => {
    const registration = await lockRegistration(db, request.node_id);
    const decision = decideRevoke(registration);
    if (decision.kind === 'deny' || registration === undefined) {
      tx.rollbackOnly();
      return { decision, events: [] };
    }
    if (decision.kind === 'already_revoked') return { decision, events: [] };
    const events = [
      deps.events.build(
        nodeRevoked({
          nodeId: registration.nodeId,
          reason: request.reason,
          trigger: 'request',
          lastCredentialId: registration.lastCredentialId,
          lastNotAfter: registration.lastNotAfter,
          ...(cause === undefined ? {} : { cause }),
        }),
      ),
    ];
    await writeRegistration(
      db,
      {
        ...registration,
        status: RegistrationStatus.revoked,
        generation: registration.generation + 1,
      },
      { nowMs, revokedReason: request.reason },
      events,
    );
    deps.log.info({ node_id: registration.nodeId }, 'node revoked');
    return { decision, events };
  });
  const { decision } = outcome;
  if (decision.kind === 'deny') throw denialError(decision);
  deps.events.committed(outcome.events);
  return { node_id: request.node_id, status: 'revoked', last_not_after: decision.lastNotAfter };
}
