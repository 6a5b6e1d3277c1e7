/**
 * Finds U+0000 in a record (sync.md, Records: the replica stores records as Postgres JSONB, which
 * cannot hold a NUL character in a string or a key). Such a record can never apply on any
 * replica, so it is refused as `invalid` — at push (400) and on receive (DLQ) — instead of
 * failing the insert and looking like a store outage. Pure.
 */

const NUL = '\u0000';

function walk(value: unknown, path: string, out: string[], max: number): void {
  if (out.length >= max) return;
  if (typeof value === 'string') {
    if (value.includes(NUL)) out.push(path);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => walk(item, `${path}.${String(index)}`, out, max));
    return;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const where = `${path}.${key.replaceAll(NUL, '\\u0000')}`;
    if (key.includes(NUL) && out.length < max) out.push(where);
    walk(item, where, out, max);
  }
}

/**
 * Paths (dotted, `prefix` first) of the strings and keys of `value` that contain U+0000, at most
 * `max` of them. Empty when there is none.
 */
export function nulCharPaths(value: unknown, prefix = '', max = 10): string[] {
  const out: string[] = [];
  walk(value, prefix, out, max);
  return out.map((path) => (path.startsWith('.') ? path.slice(1) : path) || '(record)');
}
