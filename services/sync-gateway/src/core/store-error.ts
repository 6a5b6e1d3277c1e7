/**
 * How the engine tells a record the store refuses (poison for that record) from a store that is
 * down (pause and retry, never dead-letter). Postgres reports the first with SQLSTATE class 22
 * (data exception: untranslatable character, value out of range, …) or 23 (integrity constraint
 * violation); the upsert's own conflict is handled by `ON CONFLICT` and never raised. Everything
 * else — connection refused, terminated, timeouts, admin shutdown (57P*), insufficient resources
 * (53*) — is an outage. Pure.
 */

/** The SQLSTATE of a pg error, when `err` carries one. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = err.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True when `err` is Postgres refusing the data (class 22 or 23), not the store being down. */
export function isDataRefusal(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

/**
 * True when `err` is a transaction Postgres rolled back to break a conflict with a concurrent one
 * (class 40: serialization failure 40001, deadlock 40P01): running the statement again is correct.
 */
export function isTransientConflict(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && state.startsWith('40');
}
