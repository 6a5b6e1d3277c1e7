import { parseRfc3339 } from './rfc3339.js';
import { LeaseSchema, type Lease } from './schemas/status.js';

/**
 * Leader leases (bus.md `fed-leases`, operations.md "Scaling"): one KV key per role holding
 * `{holder, expires_at}`, written only with compare-and-set on the KV revision. A lease is held
 * while `nowMs < expires_at`; from `expires_at` on anyone may take it over.
 *
 * Fencing caveat: a lease alone cannot stop a holder that was paused (GC, SIGSTOP, a hung
 * request) past its deadline from acting once more, and it assumes clock skew between contenders
 * smaller than the holder's safety margin. The holder therefore gives the lease up locally
 * `marginMs` before `expires_at` ({@link leaseDeadlineMs}), and writers that must never overlap
 * add a second fence where the effect lands (the auditor takes `pg_advisory_xact_lock` in the
 * append transaction).
 */

/** A lease as read from the KV key: its revision and parsed value (null = deleted or malformed). */
export type LeaseRecord = {
  readonly revision: number;
  readonly lease: { readonly holder: string; readonly expiresAtMs: number } | null;
};

/** What a contender should do now. */
export type LeaseDecision =
  /** Write a new lease: create the key (`revision` null) or CAS-update it at `revision`. */
  | {
      readonly kind: 'acquire';
      readonly revision: number | null;
      readonly expiresAtMs: number;
      /** The previous holder whose lease expired, when this is a takeover. */
      readonly takeoverFrom?: string;
    }
  /** Extend my own unexpired lease by CAS-updating it at `revision`. */
  | { readonly kind: 'renew'; readonly revision: number; readonly expiresAtMs: number }
  /** Someone else holds it until `untilMs`. */
  | { readonly kind: 'wait'; readonly holder: string; readonly untilMs: number };

function checkTime(nowMs: number, ttlMs: number): void {
  if (!Number.isFinite(nowMs) || !Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`decideLease: bad nowMs ${nowMs} or ttlMs ${ttlMs}`);
  }
}

/**
 * Decides the next lease step for contender `me`.
 *
 * Inputs: the current record (null when the key never existed), my holder id, `nowMs` (Unix ms)
 * and the lease TTL in ms. Output:
 * - no key → `acquire` with `revision: null` (create);
 * - deleted or malformed value → `acquire` at its revision;
 * - mine and `nowMs < expiresAtMs` → `renew` at its revision;
 * - mine but expired → `acquire` at its revision (I had lost it; no one else took it);
 * - someone else's and unexpired → `wait` until its `expiresAtMs`;
 * - someone else's and expired → `acquire` at its revision with `takeoverFrom`.
 * Invariants: every write is a CAS on the revision read; a written `expiresAtMs` is `nowMs + ttlMs`;
 * an unexpired lease of another holder is never overwritten. Throws `RangeError` for a non-finite
 * `nowMs` or a `ttlMs` that is not a positive safe integer (programmer errors).
 */
export function decideLease(
  current: LeaseRecord | null,
  me: string,
  nowMs: number,
  ttlMs: number,
): LeaseDecision {
  checkTime(nowMs, ttlMs);
  const expiresAtMs = nowMs + ttlMs;
  if (current === null) return { kind: 'acquire', revision: null, expiresAtMs };
  const { lease, revision } = current;
  if (lease === null) return { kind: 'acquire', revision, expiresAtMs };
  const expired = nowMs >= lease.expiresAtMs;
  if (lease.holder === me) {
    return expired
      ? { kind: 'acquire', revision, expiresAtMs }
      : { kind: 'renew', revision, expiresAtMs };
  }
  if (!expired) return { kind: 'wait', holder: lease.holder, untilMs: lease.expiresAtMs };
  return { kind: 'acquire', revision, expiresAtMs, takeoverFrom: lease.holder };
}

/**
 * The default safety margin: a fifth of the TTL, at most 2 s. The holder stops acting this long
 * before `expires_at`, which covers that much clock skew between contenders.
 */
export function defaultLeaseMarginMs(ttlMs: number): number {
  return Math.min(2_000, Math.floor(ttlMs / 5));
}

/** When the holder must consider the lease lost: `expiresAtMs − marginMs`. */
export function leaseDeadlineMs(expiresAtMs: number, marginMs: number): number {
  return expiresAtMs - marginMs;
}

/** Why lease timing was refused. */
export type LeaseTimingError =
  | { readonly tag: 'lease_ttl_invalid' }
  | { readonly tag: 'lease_margin_invalid' }
  | { readonly tag: 'lease_renew_interval_invalid' };

/**
 * Checks lease timing: `ttlMs` a positive safe integer; `0 <= marginMs < ttlMs`; and
 * `0 < renewEveryMs < ttlMs − marginMs`, so a holder renews at least once before its own deadline.
 */
export function checkLeaseTiming(timing: {
  readonly ttlMs: number;
  readonly renewEveryMs: number;
  readonly marginMs: number;
}): { readonly ok: true } | { readonly ok: false; readonly error: LeaseTimingError } {
  const { ttlMs, renewEveryMs, marginMs } = timing;
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    return { ok: false, error: { tag: 'lease_ttl_invalid' } };
  }
  if (!Number.isFinite(marginMs) || marginMs < 0 || marginMs >= ttlMs) {
    return { ok: false, error: { tag: 'lease_margin_invalid' } };
  }
  if (!Number.isFinite(renewEveryMs) || renewEveryMs <= 0 || renewEveryMs >= ttlMs - marginMs) {
    return { ok: false, error: { tag: 'lease_renew_interval_invalid' } };
  }
  return { ok: true };
}

/**
 * The KV value for a lease held by `holder` until `expiresAtMs` (`expires_at` in RFC 3339 ms).
 * Throws `RangeError` when `expiresAtMs` is not a valid Date instant (programmer error).
 */
export function leaseValue(holder: string, expiresAtMs: number): Lease {
  return { holder, expires_at: new Date(expiresAtMs).toISOString() };
}

/**
 * Reads a KV value (already JSON-parsed, or `undefined` for a delete marker or unparsable bytes)
 * at `revision` into a {@link LeaseRecord}. Anything that is not a valid {@link LeaseSchema}
 * value becomes `lease: null`, so a corrupt key can be taken over instead of blocking forever.
 * Never throws.
 */
export function toLeaseRecord(revision: number, value: unknown): LeaseRecord {
  const parsed = LeaseSchema.safeParse(value);
  if (!parsed.success) return { revision, lease: null };
  const instant = parseRfc3339(parsed.data.expires_at);
  if (!instant.ok) return { revision, lease: null };
  return { revision, lease: { holder: parsed.data.holder, expiresAtMs: instant.instantMs } };
}
