import { randomBytes } from 'node:crypto';
import {
  signRenewPop,
  toBase64,
  type AttestRequest,
  type AttemptRecord,
  type Claims,
  type RenewRequest,
  type ServiceName,
} from '@fedplane/core';

/**
 * The credential a holder keeps, and the shapes derived from it (the `planRenewal` view is core's
 * `renewalView`): the status the holder reports, and the attest/renew requests it sends.
 */

/** A credential in hand: leaf and chain as sent, decoded claims, id, and its renewal jitter. */
export type Held = {
  readonly leaf: string;
  readonly chain?: string;
  readonly claims: Claims;
  readonly credentialId: string;
  /** Drawn once per credential so the renewal plan is stable across ticks. */
  readonly jitter: number;
};

/** What the holder reports (readiness, metrics, status messages). */
export type HolderStatus = {
  readonly agent_id: string;
  readonly state: 'none' | 'valid' | 'expired';
  readonly credential_id?: string;
  readonly issuer_id?: string;
  readonly not_before?: number;
  readonly not_after?: number;
  /** Unix seconds of the last credential swapped in. */
  readonly last_renewal_at?: number;
  readonly last_error?: string;
  /** Consecutive failed attempts. */
  readonly failures: number;
};

/** The status for `held` at `nowS`. */
export function holderStatus(
  agentId: string,
  held: Held | undefined,
  nowS: number,
  extra: AttemptRecord & { readonly lastRenewalAt?: number; readonly lastError?: string },
): HolderStatus {
  return {
    agent_id: agentId,
    state: held === undefined ? 'none' : nowS <= held.claims.not_after ? 'valid' : 'expired',
    ...(held === undefined
      ? {}
      : {
          credential_id: held.credentialId,
          issuer_id: held.claims.issuer_id,
          not_before: held.claims.not_before,
          not_after: held.claims.not_after,
        }),
    ...(extra.lastRenewalAt === undefined ? {} : { last_renewal_at: extra.lastRenewalAt }),
    ...(extra.lastError === undefined ? {} : { last_error: extra.lastError }),
    failures: extra.failures,
  };
}

/** `fed.issuer.attest` for a service identity. */
export function serviceAttestRequest(input: {
  readonly agentId: string;
  readonly publicKey: Uint8Array;
  readonly service: ServiceName;
  readonly secret: string;
}): AttestRequest {
  return {
    node_id: input.agentId,
    public_key: toBase64(input.publicKey),
    attestation: { type: 'service', service: input.service, secret: input.secret },
  };
}

/**
 * `fed.issuer.renew` for `held`, proving possession of `seed` over a fresh 32-character nonce
 * (192 bits from the OS) and `ts = nowS`; the key is kept (no `new_public_key`).
 */
export function renewRequest(seed: Uint8Array, held: Held, nowS: number): RenewRequest {
  const nonce = randomBytes(24).toString('base64url');
  const pop = signRenewPop(seed, { credential: held.leaf, newPublicKey: '', nonce, ts: nowS });
  return {
    credential: held.leaf,
    ...(held.chain === undefined ? {} : { chain: held.chain }),
    nonce,
    ts: nowS,
    pop,
  };
}
