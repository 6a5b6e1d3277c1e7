/**
 * The keyset cursor of `GET /api/v1/pending` (reference §8 #16, done right): the position
 * `(requested_at ms, id)` of the last row of a page, so the next page starts strictly after it in
 * the total order `(requested_at, id)` — rows sharing a timestamp are neither skipped nor
 * repeated. Encoded as base64url of `<ms>.<id>` (fits core `CursorSchema`). Pure.
 */

/** A position in the `(requested_at, id)` order. */
export type PendingPosition = { readonly requestedAtMs: number; readonly id: string };

const ID_RE = /^[A-Za-z0-9-]{1,64}$/;

/** The cursor text after `position`. */
export function encodeCursor(position: PendingPosition): string {
  return Buffer.from(`${String(position.requestedAtMs)}.${position.id}`, 'utf8').toString(
    'base64url',
  );
}

/** The position a cursor names, or undefined for a cursor this service did not mint. */
export function decodeCursor(cursor: string): PendingPosition | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const dot = text.indexOf('.');
  if (dot <= 0) return undefined;
  const msText = text.slice(0, dot);
  const id = text.slice(dot + 1);
  if (!/^[0-9]{1,15}$/.test(msText) || !ID_RE.test(id)) return undefined;
  const requestedAtMs = Number(msText);
  if (encodeCursor({ requestedAtMs, id }) !== cursor) return undefined;
  return { requestedAtMs, id };
}
