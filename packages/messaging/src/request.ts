import {
  AppError,
  ErrorCode,
  errorCodeFromNats,
  fromUtf8,
  isErrorCode,
  parseJsonText,
  utf8,
} from '@fedplane/core';
import {
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  PermissionViolationError,
  RequestError,
  TimeoutError,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
} from '@nats-io/nats-core';
import { FedHeader } from './headers.js';
import { schemaIssues, type ParseSchema } from './schema.js';

/**
 * The client side of the endpoints: one JSON request, one typed reply, or an `AppError` with the
 * remote code (from the reply body's `error`, else from `Nats-Service-Error-Code`). Nobody
 * listening, a timeout or a closed connection is `UNAVAILABLE` (safe to retry); a permissions
 * refusal by the server is `FORBIDDEN`; a reply that fails `schema` is `INTERNAL`.
 */

/** Default request timeout (5 s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/** Options of {@link request}. */
export type RequestOptions<T> = {
  /** Schema of the reply (any zod schema). */
  readonly schema: ParseSchema<T>;
  /** Default {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Extra request headers (e.g. a signature over the body). */
  readonly headers?: MsgHdrs;
};

function transportError(err: unknown, subject: string): AppError {
  const unavailable =
    err instanceof TimeoutError ||
    err instanceof NoRespondersError ||
    err instanceof RequestError ||
    err instanceof ClosedConnectionError ||
    err instanceof DrainingConnectionError ||
    err instanceof ConnectionError;
  if (unavailable) {
    return new AppError(ErrorCode.UNAVAILABLE, 'service unavailable', {
      cause: err,
      details: { subject },
    });
  }
  if (err instanceof PermissionViolationError) {
    return new AppError(ErrorCode.FORBIDDEN, 'not permitted', { cause: err, details: { subject } });
  }
  return new AppError(ErrorCode.INTERNAL, 'request failed', { cause: err, details: { subject } });
}

function readJson(data: Uint8Array): unknown {
  const text = fromUtf8(data);
  if (text === undefined) return undefined;
  const json = parseJsonText(text);
  return json.ok ? json.value : undefined;
}

/** The `AppError` an error reply stands for. */
export function errorFromReply(msg: Msg): AppError | undefined {
  const h = msg.headers;
  if (h?.has(FedHeader.ServiceErrorCode) !== true) return undefined;
  const natsCode = Number.parseInt(h.get(FedHeader.ServiceErrorCode), 10);
  const description = h.get(FedHeader.ServiceError);
  const body = readJson(msg.data);
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const { error, message, ...details } = body as Record<string, unknown>;
    if (isErrorCode(error)) {
      return new AppError(error, typeof message === 'string' ? message : description, { details });
    }
  }
  return new AppError(errorCodeFromNats(natsCode), description);
}

/**
 * Sends `body` as JSON to `subject` and returns the reply validated by `options.schema`.
 * Throws `AppError` as described above.
 */
export async function request<T>(
  nc: NatsConnection,
  subject: string,
  body: unknown,
  options: RequestOptions<T>,
): Promise<T> {
  const payload = utf8(JSON.stringify(body ?? {}));
  let reply: Msg;
  try {
    reply = await nc.request(subject, payload, {
      timeout: options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      ...(options.headers === undefined ? {} : { headers: options.headers }),
    });
  } catch (err) {
    throw transportError(err, subject);
  }
  const remote = errorFromReply(reply);
  if (remote !== undefined) throw remote;
  const parsed = options.schema.safeParse(readJson(reply.data));
  if (!parsed.success) {
    throw new AppError(ErrorCode.INTERNAL, 'reply failed validation', {
      details: { subject, issues: schemaIssues(parsed.error) },
    });
  }
  return parsed.data;
}
