import { parseRfc3339 } from '@fedplane/core';

/**
 * Reading the parts of a request the authentication needs, exactly as received: a header value,
 * the path and raw query of a GET, and the push body's `sender_wall_clock`.
 */

/**
 * One header value: a repeated header (an array) is joined with `, ` as HTTP folds it, so a
 * duplicated `x-memory-sig` or `x-peer-id` fails its parse instead of picking one copy.
 */
export function headerValue(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(', ');
}

/** A request target split at the first `?`: the path and the query verbatim (no `?`). */
export function splitTarget(url: string): { readonly path: string; readonly rawQuery: string } {
  const mark = url.indexOf('?');
  if (mark === -1) return { path: url, rawQuery: '' };
  return { path: url.slice(0, mark), rawQuery: url.slice(mark + 1) };
}

/**
 * `sender_wall_clock` of a parsed push body in Unix ms: `null` when the body is not an object or
 * does not carry it (or carries `null`); `NaN` when it is there but not an RFC 3339 string, so
 * the replay gate refuses it as off rather than treating it as absent.
 */
export function senderWallClockMs(body: unknown): number | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const value: unknown = (body as Record<string, unknown>)['sender_wall_clock'];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return Number.NaN;
  const parsed = parseRfc3339(value);
  return parsed.ok ? parsed.instantMs : Number.NaN;
}
