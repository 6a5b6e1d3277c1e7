import {
  AppError,
  CredentialReplySchema,
  ErrorCode,
  isErrorCode,
  type AttestRequest,
  type RenewRequest,
} from '@fedplane/core';
import { FixedSubject, request } from '@fedplane/messaging';
import type { NatsConnection } from '@nats-io/nats-core';
import type { IssuerClient, IssuerResult } from './issuer-client.js';

/**
 * The {@link IssuerClient} over NATS request/reply (`fed.issuer.attest`, `fed.issuer.renew`)
 * through the messaging request client. Every failure is a result value: remote error replies keep
 * their code and `details.reason`; no responders, timeouts and closed connections are
 * `UNAVAILABLE`.
 */

/** Options of {@link natsIssuerClient}. */
export type NatsIssuerClientOptions = {
  /** Per-request timeout (default: the messaging default, 5 s). */
  readonly timeoutMs?: number;
};

function toFailure(err: unknown): IssuerResult {
  if (err instanceof AppError && isErrorCode(err.code)) {
    const reason = err.details.reason;
    return {
      ok: false,
      error: {
        code: err.code,
        message: err.message,
        ...(typeof reason === 'string' ? { reason } : {}),
      },
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, error: { code: ErrorCode.UNAVAILABLE, message } };
}

/** Calls the issuer service on `nc`. */
export function natsIssuerClient(
  nc: NatsConnection,
  options: NatsIssuerClientOptions = {},
): IssuerClient {
  const call = async (
    subject: string,
    body: AttestRequest | RenewRequest,
  ): Promise<IssuerResult> => {
    try {
      const value = await request(nc, subject, body, {
        schema: CredentialReplySchema,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
      return { ok: true, value };
    } catch (err) {
      return toFailure(err);
    }
  };
  return {
    attest: (body) => call(FixedSubject.issuerAttest, body),
    renew: (body) => call(FixedSubject.issuerRenew, body),
  };
}
