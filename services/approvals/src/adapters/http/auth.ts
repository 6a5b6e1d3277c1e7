import { ErrorCode, constantTimeEqual, sha256, utf8, type ErrorBody } from '@fedplane/core';

/**
 * HTTP authentication of the approvals API (approvals.md): the `x-api-key` check of the read,
 * rules and stream routes, and the one 401 body every failed decision authentication gets
 * (reference §6.2: no hint which check failed).
 */

/** The body of every failed decision authentication (HMAC, window, replay). */
export const HMAC_FAILURE_BODY: ErrorBody = {
  error: ErrorCode.UNAUTHENTICATED,
  message: 'invalid or missing X-AI-Memory-Signature',
};

/** The body of every failed API-key check. */
export const API_KEY_FAILURE_BODY: ErrorBody = {
  error: ErrorCode.UNAUTHENTICATED,
  message: 'invalid or missing x-api-key',
};

/** Accepted API keys, hashed so comparisons are constant-time and length-independent. */
export type ApiKeyCheck = (presented: string | string[] | undefined) => boolean;

/**
 * A checker over the configured keys. No keys configured → every request fails (closed). Each
 * presented key is compared with every configured one in constant time (over SHA-256 digests).
 */
export function apiKeyChecker(keys: readonly string[]): ApiKeyCheck {
  const digests = keys.map((k) => sha256(utf8(k)));
  return (presented) => {
    if (typeof presented !== 'string' || presented === '') return false;
    const digest = sha256(utf8(presented));
    let ok = false;
    for (const d of digests) ok = constantTimeEqual(d, digest) || ok;
    return ok;
  };
}
