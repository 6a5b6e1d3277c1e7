import {
  ED25519_PUBLIC_KEY_BYTES,
  ErrorCode,
  fromBase64,
  isEd25519Point,
  sha256Hex,
  utf8,
  type AttestRequest,
  type CredentialReply,
} from '@fedplane/core';
import { consumeJoinToken, lockJoinToken } from '../adapters/pg-join-tokens.js';
import type { OutboxEvent } from '../adapters/pg-outbox.js';
import { lockRegistration, writeRegistration } from '../adapters/pg-registrations.js';
import { withTransaction } from '../adapters/pg-transaction.js';
import { decideAttest, type AttestEvidence } from '../core/attest-decision.js';
import {
  AttestorKind,
  RegistrationStatus,
  deny,
  type Denial,
  type Registration,
} from '../core/registration.js';
import { checkServiceSecret } from '../core/service-secrets.js';
import { suppressedDetail } from './refusal-gate.js';
import { denialError, type IssuerDeps } from './issuer-deps.js';
import { credentialDenied } from './issuer-events.js';
import { mintLeaf } from './mint.js';

/**
 * `fed.issuer.attest` (identity.md): the first credential for a node (join token) or a service
 * instance (bootstrap secret). The token is consumed in the same transaction that records the
 * issuance, under row locks on the registration and the token, so two instances racing on one
 * token produce exactly one credential. Every refusal changes nothing and emits
 * `credential.denied`.
 */

function newServiceRegistration(nodeId: string): Registration {
  return {
    nodeId,
    status: RegistrationStatus.enrolled,
    region: null,
    attestor: AttestorKind.service,
    generation: 1,
    credTtlS: null,
    lastCredentialId: null,
    prevCredentialId: null,
    lastNotAfter: null,
    lastReply: null,
    lastPresentedAtMs: null,
  };
}

/** Attests `request` and returns the credential reply, or throws the refusal as `AppError`. */
export async function handleAttest(
  deps: IssuerDeps,
  request: AttestRequest,
  cause?: string,
): Promise<CredentialReply> {
  const refuse = (denial: Denial): never => {
    const gate = deps.refusals.admit(denial);
    if (gate.record) {
      deps.events.publishDirect(
        credentialDenied({
          operation: 'attest',
          reason: denial.reason,
          nodeId: request.node_id,
          ...suppressedDetail(gate.suppressed),
          ...(cause === undefined ? {} : { cause }),
        }),
      );
      deps.log.info(
        { node_id: request.node_id, reason: denial.reason, suppressed: gate.suppressed },
        'attestation refused',
      );
    }
    throw denialError(denial);
  };
  const publicKey = fromBase64(request.public_key);
  if (publicKey?.byteLength !== ED25519_PUBLIC_KEY_BYTES || !isEd25519Point(publicKey)) {
    return refuse(
      deny(ErrorCode.BAD_REQUEST, 'issuer_invalid_subject_key', 'public_key is not an Ed25519 key'),
    );
  }
  const { attestation } = request;
  const tokenHash =
    attestation.type === 'join_token' ? sha256Hex(utf8(attestation.token)) : undefined;
  const secretValid =
    attestation.type === 'service' &&
    checkServiceSecret(deps.serviceSecrets, attestation.service, attestation.secret);
  const nowMs = deps.clock.nowMs();
  const outcome = await withTransaction(
    deps.pool,
    async (
      db,
      tx,
    ): Promise<
      Denial | { reply: CredentialReply; events: OutboxEvent[]; written: Registration }
    > => {
      const registration = await lockRegistration(db, request.node_id);
      const evidence: AttestEvidence =
        tokenHash === undefined
          ? { kind: 'service', secretValid }
          : { kind: 'join_token', token: await lockJoinToken(db, tokenHash) };
      const decision = decideAttest({
        nodeId: request.node_id,
        evidence,
        registration,
        nowMs,
        defaultTtlS: deps.policy.leafTtlS,
      });
      if (decision.kind === 'deny') {
        tx.rollbackOnly();
        return decision;
      }
      if (decision.consumeToken && tokenHash !== undefined) {
        if (!(await consumeJoinToken(db, tokenHash, nowMs))) {
          tx.rollbackOnly();
          return deny(ErrorCode.CONFLICT, 'token_used', 'join token already used');
        }
      }
      const minted = await mintLeaf(deps, db, {
        nodeId: request.node_id,
        region: decision.region,
        publicKey,
        ttlS: decision.ttlS,
        lastNotAfter: registration?.lastNotAfter ?? null,
        nowMs,
        via: 'attest',
        generation: decision.generation,
        ...(cause === undefined ? {} : { cause }),
      });
      const base = registration ?? newServiceRegistration(request.node_id);
      const written: Registration = {
        ...base,
        generation: decision.generation,
        lastCredentialId: minted.issued.credentialId,
        prevCredentialId: null,
        lastNotAfter: minted.issued.claims.not_after,
        lastReply: JSON.stringify(minted.reply),
        lastPresentedAtMs: null,
      };
      await writeRegistration(
        db,
        written,
        { nowMs, issued: true, enrolled: decision.createRegistration },
        minted.events,
      );
      return { reply: minted.reply, events: [...minted.events], written };
    },
  );
  if ('kind' in outcome) return refuse(outcome);
  deps.events.committed(outcome.events);
  if (outcome.written.lastCredentialId !== null) {
    deps.lineage.remember(outcome.written.lastCredentialId, outcome.written);
  }
  deps.log.info(
    { node_id: request.node_id, attestation: attestation.type, not_after: outcome.reply.not_after },
    'credential issued',
  );
  return outcome.reply;
}
