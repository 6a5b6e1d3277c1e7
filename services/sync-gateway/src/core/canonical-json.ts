/**
 * The canonical JSON form of a replicated record: object keys sorted by UTF-16 code units at
 * every depth, no whitespace, strings and numbers as `JSON.stringify` writes them. The bytes a
 * gateway publishes (and hashes for the conflict order) are this form, so a record that went
 * through Postgres JSONB (which reorders keys) and came back in a since page hashes the same:
 * every replica stores the same `content_hash` for the same version whatever path it took.
 */

/** A parsed JSON value. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

function write(value: unknown, out: string[]): void {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    // undefined, functions and symbols have no JSON form; records come from JSON.parse.
    out.push(text === undefined ? 'null' : text);
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item: unknown, index) => {
      if (index > 0) out.push(',');
      write(item, out);
    });
    out.push(']');
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  out.push('{');
  entries.forEach(([key, item], index) => {
    if (index > 0) out.push(',');
    out.push(JSON.stringify(key), ':');
    write(item, out);
  });
  out.push('}');
}

/**
 * The canonical text of a JSON value (see the module comment). Pure; never throws for values
 * produced by `JSON.parse`.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

/**
 * The value `text` parses to when `text` is exactly its canonical form, else undefined (not
 * JSON, or not canonical). One parse: the receive path validates the value it returns.
 */
export function parseCanonicalJson(text: string): { readonly value: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return canonicalJson(value) === text ? { value } : undefined;
  } catch {
    return undefined;
  }
}
