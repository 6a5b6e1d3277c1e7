/** Outcome of {@link parseJsonText}. */
export type JsonTextParse =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly error: { readonly tag: 'invalid_json'; readonly message: string };
    };

/**
 * `JSON.parse` as a value: the parsed JSON, or `invalid_json` with the parser's message (capped
 * at 200 characters, since it may quote the input). Pure; never throws.
 */
export function parseJsonText(text: string): JsonTextParse {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: { tag: 'invalid_json', message: message.slice(0, 200) } };
  }
}
