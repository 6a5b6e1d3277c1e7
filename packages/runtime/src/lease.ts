import {
  checkAgentId,
  checkLeaseTiming,
  decideLease,
  defaultLeaseMarginMs,
  leaseDeadlineMs,
  leaseValue,
  toLeaseRecord,
  type Lease,
  type LeaseDecision,
} from '@fedplane/core';
import { sleep, type Clock } from './clock.js';
import type { Log } from './logger.js';

/**
 * Leader leases in KV `fed-leases` (bus.md; operations.md "Scaling"): the shell around core
 * `decideLease`. One key per role holds `{holder, expires_at}`; every write is a CAS on the
 * revision read, so of two contenders exactly one wins.
 *
 * Fencing caveat: the holder calls `onLost` at `expires_at − marginMs` by a local timer that runs
 * even while a renewal hangs, so a holder that cannot renew in time learns it lost before another
 * contender (whose clock is within `marginMs`) can take over. A process paused between checking
 * that it holds the lease and acting can still act once late; effects that must never overlap need
 * a second fence where they land (the auditor takes `pg_advisory_xact_lock` in its transaction).
 */

/** Result of a conditional write. */
export type LeaseWrite =
  | { readonly ok: true; readonly revision: number }
  | { readonly ok: false; readonly reason: 'conflict' };

/**
 * The KV operations a lease needs (a port, so the NATS binding can be swapped). Infrastructure
 * failures (timeouts, no connection) reject; a lost CAS race is `{ok: false}`.
 */
export interface LeaseStore {
  /** The entry at `key`: null when it never existed; `value` undefined for a delete marker or bad JSON. */
  read(key: string): Promise<{ readonly revision: number; readonly value: unknown } | null>;
  /** Creates `key` only when absent (or deleted). */
  create(key: string, value: Lease): Promise<LeaseWrite>;
  /** Writes `key` only when its last revision is `revision`. */
  update(key: string, value: Lease, revision: number): Promise<LeaseWrite>;
  /** Deletes `key` only when its last revision is `revision` (a voluntary release). */
  remove(key: string, revision: number): Promise<LeaseWrite>;
}

/** Passed to `onAcquired`. */
export type LeaseAcquired = {
  readonly role: string;
  readonly revision: number;
  readonly expiresAtMs: number;
  /** Previous holder, when this was a takeover of an expired lease. */
  readonly takeoverFrom?: string;
};

/** Why the lease was lost: the local deadline passed, someone else holds it, or we released it. */
export type LeaseLostReason = 'expired' | 'taken' | 'released';

/** Options of {@link runLeaseLoop}. */
export type LeaseLoopOptions = {
  readonly kv: LeaseStore;
  /** The key in `fed-leases` (e.g. `auditor`). */
  readonly role: string;
  /** This contender's id (its agent id, e.g. `svc/auditor/<instance>`). */
  readonly holder: string;
  readonly ttlMs: number;
  /** How often the holder renews and a standby polls; < ttlMs − marginMs. */
  readonly renewEveryMs: number;
  /** How long before `expires_at` the holder gives up locally (default core `defaultLeaseMarginMs`). */
  readonly marginMs?: number;
  readonly clock: Clock;
  readonly log: Log;
  /** Called when this contender becomes the holder. Must not block. */
  readonly onAcquired: (lease: LeaseAcquired) => void;
  /** Called when it stops being the holder. The caller must stop acting at once. */
  readonly onLost: (reason: LeaseLostReason) => void;
};

type Holding = { revision: number; expiresAtMs: number; timer: NodeJS.Timeout };

/**
 * Contends for `role` until `signal` aborts; then releases the lease if held (CAS delete) and
 * resolves. Never rejects for store failures (logged, retried every `renewEveryMs`). Rejects
 * with `RangeError` at once for inconsistent timing (core `checkLeaseTiming`) or a holder that
 * is not an agent id.
 */
export async function runLeaseLoop(options: LeaseLoopOptions, signal: AbortSignal): Promise<void> {
  const { kv, role, holder, ttlMs, renewEveryMs, clock, log } = options;
  const marginMs = options.marginMs ?? defaultLeaseMarginMs(ttlMs);
  const timing = checkLeaseTiming({ ttlMs, renewEveryMs, marginMs });
  if (!timing.ok) throw new RangeError(`runLeaseLoop: ${timing.error.tag}`);
  // A holder that is not an agent id would write values others read as malformed (and take over).
  if (!checkAgentId(holder).ok) throw new RangeError(`runLeaseLoop: invalid holder ${holder}`);
  let holding: Holding | undefined;

  const notify = (what: string, call: () => void): void => {
    try {
      call();
    } catch (err) {
      log.error({ err, role }, `lease ${what} callback failed`);
    }
  };
  const lose = (reason: LeaseLostReason): void => {
    if (holding === undefined) return;
    clearTimeout(holding.timer);
    log.warn({ role, holder, reason, revision: holding.revision }, 'lease lost');
    holding = undefined;
    notify('lost', () => options.onLost(reason));
  };
  const hold = (decision: Exclude<LeaseDecision, { kind: 'wait' }>, revision: number): void => {
    const deadline = leaseDeadlineMs(decision.expiresAtMs, marginMs);
    const timer = setTimeout(() => lose('expired'), Math.max(0, deadline - clock.nowMs()));
    const wasHolding = holding !== undefined;
    if (holding !== undefined) clearTimeout(holding.timer);
    holding = { revision, expiresAtMs: decision.expiresAtMs, timer };
    if (wasHolding) return;
    const acquired: LeaseAcquired = {
      role,
      revision,
      expiresAtMs: decision.expiresAtMs,
      ...(decision.kind === 'acquire' && decision.takeoverFrom !== undefined
        ? { takeoverFrom: decision.takeoverFrom }
        : {}),
    };
    log.info({ role, holder, revision, expires_at_ms: decision.expiresAtMs }, 'lease acquired');
    notify('acquired', () => options.onAcquired(acquired));
  };

  let failures = 0;
  while (!signal.aborted) {
    let delayMs = renewEveryMs;
    try {
      const nowMs = clock.nowMs();
      const entry = await kv.read(role);
      const record = entry === null ? null : toLeaseRecord(entry.revision, entry.value);
      const decision = decideLease(record, holder, nowMs, ttlMs);
      if (decision.kind === 'wait') {
        lose('taken');
        delayMs = Math.min(renewEveryMs, Math.max(1, decision.untilMs - clock.nowMs()));
      } else if (!signal.aborted) {
        const value = leaseValue(holder, decision.expiresAtMs);
        const write =
          decision.revision === null
            ? await kv.create(role, value)
            : await kv.update(role, value, decision.revision);
        if (write.ok) hold(decision, write.revision);
        else {
          // Someone wrote between our read and our write: re-read at once.
          lose('taken');
          delayMs = 0;
        }
      }
      failures = 0;
    } catch (err) {
      failures += 1;
      log.warn({ err, role, failures }, 'lease store unavailable');
    }
    await sleep(delayMs, signal);
  }

  if (holding !== undefined) {
    const { revision } = holding;
    lose('released');
    try {
      const removed = await kv.remove(role, revision);
      if (removed.ok) log.info({ role, holder, revision }, 'lease released');
    } catch (err) {
      log.warn({ err, role }, 'lease release failed; it expires on its own');
    }
  }
}
