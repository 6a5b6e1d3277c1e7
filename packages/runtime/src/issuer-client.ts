import type { AttestRequest, CredentialReply, ErrorCode, RenewRequest } from '@fedplane/core';

/**
 * The issuer as the credential holder sees it (a port: the NATS binding is
 * `natsIssuerClient`; tests may run a real test issuer behind it).
 */

/** A refused or failed call: the wire error code, its message and `details.reason` when given. */
export type IssuerFailure = {
  readonly code: ErrorCode;
  readonly message: string;
  readonly reason?: string;
};

/** Result of an issuer call. */
export type IssuerResult =
  | { readonly ok: true; readonly value: CredentialReply }
  | { readonly ok: false; readonly error: IssuerFailure };

/**
 * `fed.issuer.attest` and `fed.issuer.renew`. Transport failures (no responders, timeout) are
 * `UNAVAILABLE` results; implementations should not reject, and the holder treats a rejection
 * as `UNAVAILABLE` too.
 */
export interface IssuerClient {
  attest(request: AttestRequest): Promise<IssuerResult>;
  renew(request: RenewRequest): Promise<IssuerResult>;
}
