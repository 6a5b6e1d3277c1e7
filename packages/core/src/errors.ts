/**
 * The one registry of wire error codes (bus.md, Errors) and their NATS service and HTTP mappings.
 * `Record<ErrorCode, …>` makes a code without a mapping a compile error.
 */

export const ErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  TOO_LARGE: 'TOO_LARGE',
  RATE_LIMITED: 'RATE_LIMITED',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);

/** Value of the `Nats-Service-Error-Code` header for each code. */
export const NATS_ERROR_CODE: Readonly<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** HTTP status for each code. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** One line per code, the text of `docs/errors.md`. */
export const ERROR_MEANING: Readonly<Record<ErrorCode, { meaning: string; retryable: boolean }>> = {
  BAD_REQUEST: {
    meaning: 'payload failed schema validation; `details` lists the issues',
    retryable: false,
  },
  UNAUTHENTICATED: {
    meaning: 'missing or invalid signature, credential, HMAC or API key',
    retryable: false,
  },
  FORBIDDEN: {
    meaning: 'authenticated but not allowed (revoked node, out-of-namespace, self-approval)',
    retryable: false,
  },
  NOT_FOUND: { meaning: 'unknown id', retryable: false },
  CONFLICT: {
    meaning: 'state changed under the caller (already decided, stale revision, token used)',
    retryable: false,
  },
  TOO_LARGE: { meaning: 'payload over a documented limit', retryable: false },
  RATE_LIMITED: {
    meaning: 'over a rate or quota; `retry_after_ms` says when to retry',
    retryable: true,
  },
  UNAVAILABLE: { meaning: 'a dependency is down; safe to retry', retryable: true },
  INTERNAL: { meaning: 'a bug; logged with the request id', retryable: true },
};

/** True when `value` is one of the registered codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** The error code whose NATS service code is `natsCode`, or `INTERNAL`. */
export function errorCodeFromNats(natsCode: number): ErrorCode {
  return ERROR_CODES.find((code) => NATS_ERROR_CODE[code] === natsCode) ?? ErrorCode.INTERNAL;
}

/** JSON body of an error reply: `{error, message, ...details}` (details never override the two). */
export type ErrorBody = { readonly error: ErrorCode; readonly message: string } & Readonly<
  Record<string, unknown>
>;

/**
 * Base error for boundaries, infrastructure and bugs. Expected outcomes are values, not throws;
 * `AppError` carries a stable code and optional wire details.
 */
export class AppError<C extends string = ErrorCode> extends Error {
  readonly code: C;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: C,
    message: string,
    options?: ErrorOptions & { details?: Readonly<Record<string, unknown>> },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = options?.details ?? {};
  }
}

/** The wire body for an error. */
export function errorBody(
  code: ErrorCode,
  message: string,
  details: Readonly<Record<string, unknown>> = {},
): ErrorBody {
  return { ...details, error: code, message };
}

/** Normalises anything thrown into a wire error (unknown throws become `INTERNAL`). */
export function toWireError(err: unknown): ErrorBody {
  if (err instanceof AppError && isErrorCode(err.code)) {
    return errorBody(err.code, err.message, err.details);
  }
  return errorBody(ErrorCode.INTERNAL, 'internal error');
}
