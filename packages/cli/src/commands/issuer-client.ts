import { FixedSubject } from '@fedplane/messaging';
import { AppError, isErrorCode } from '@fedplane/core';
import { request, type ParseSchema } from '@fedplane/messaging';
import { connect } from '@nats-io/transport-node';
import type { CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { natsConnectOptions } from '../nats-connection.js';

/**
 * What the issuer commands (`enroll`, `revoke`, `bundle`, `issuer rotate`) share: the environment
 * (`NATS_URL`, comma-separated, default `nats://127.0.0.1:4222`), one request to the issuer over
 * NATS, and the mapping of a refusal or an unreachable issuer to exit code 1 with a typed error.
 * These are admin subjects: the NATS user of the CLI must be allowed to publish to them.
 */

/** The environment the issuer commands read. */
export type IssuerCommandEnv = Readonly<Record<string, string | undefined>>;

/** What the issuer commands need besides `CliIo` (injected so tests can point them anywhere). */
export type IssuerCommandDeps = { readonly env: () => IssuerCommandEnv };

/** The real process environment. */
export const processIssuerDeps: IssuerCommandDeps = { env: () => process.env };

/** Per-request timeout of the issuer commands. */
export const ISSUER_REQUEST_TIMEOUT_MS = 10_000;

/** The issuer-key rotation subject (services/issuer `admin-rotate.ts`). */
export const ISSUER_ROTATE_SUBJECT = FixedSubject.issuerRotate;

/** The outcome of one issuer request: the reply, or a typed failure. */
export type IssuerCall<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly error: string;
      readonly message: string;
      readonly reason?: string;
    };

/** Sends one request to the issuer and closes the connection. Never throws. */
export async function callIssuer<T>(
  deps: IssuerCommandDeps,
  subject: string,
  body: unknown,
  schema: ParseSchema<T>,
): Promise<IssuerCall<T>> {
  let nc;
  try {
    nc = await connect({ ...natsConnectOptions(deps.env()), name: 'fedplane-cli', timeout: 5_000 });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: 'UNAVAILABLE', message: `cannot reach NATS: ${message}` };
  }
  try {
    const value = await request(nc, subject, body, {
      schema,
      timeoutMs: ISSUER_REQUEST_TIMEOUT_MS,
    });
    return { ok: true, value };
  } catch (err) {
    if (err instanceof AppError && isErrorCode(err.code)) {
      const reason = err.details['reason'];
      return {
        ok: false,
        error: err.code,
        message: err.message,
        ...(typeof reason === 'string' ? { reason } : {}),
      };
    }
    return {
      ok: false,
      error: 'INTERNAL',
      message: err instanceof Error ? err.message : String(err),
    };
  } finally {
    await nc.close().catch(() => undefined);
  }
}

/** Exit 1 with `{ok: false, error, message, reason?}` for a failed call. */
export function failedCall(
  what: string,
  failure: Extract<IssuerCall<unknown>, { ok: false }>,
): CommandResult {
  return {
    exitCode: ExitCode.NEGATIVE,
    json: {
      ok: false,
      error: failure.error,
      message: failure.message,
      ...(failure.reason === undefined ? {} : { reason: failure.reason }),
    },
    text: `${what} failed: ${failure.error}${failure.reason === undefined ? '' : ` (${failure.reason})`}: ${failure.message}`,
  };
}
