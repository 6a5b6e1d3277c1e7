import {
  AppError,
  ErrorCode,
  fromUtf8,
  isNewerBundle,
  parseJsonText,
  parseTrustBundle,
  toVerifierBundle,
  type TrustBundle,
  type VerifierBundle,
} from '@fedplane/core';
import type { KvEntry, RoKV } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/nats-core';
import type { Log } from './log.js';
import { KvKey } from './streams.js';

/**
 * The live trust bundle: reads `fed-trust` / `bundle` and watches the key, swapping the verifier
 * bundle in place when a newer one (higher `sequence`, core `isNewerBundle`) arrives. A value that
 * is not newer, does not parse, or is a delete is ignored and the current bundle stays; each bad
 * revision is logged once.
 */

/** Options of {@link watchTrustBundle}. */
export type TrustWatchOptions = {
  readonly log: Log;
  /** Called after each swap with the new bundle. Exceptions are logged, never propagated. */
  readonly onChange?: (bundle: TrustBundle, verifier: VerifierBundle) => void;
  /** Delay before re-watching after the watch ends unexpectedly (default 1 000 ms). */
  readonly rewatchDelayMs?: number;
};

/** A running trust-bundle watch. */
export type TrustWatch = {
  /** The verifier view of the current bundle, or `undefined` before the first valid one. */
  current(): VerifierBundle | undefined;
  /** The current bundle JSON model, or `undefined` before the first valid one. */
  bundle(): TrustBundle | undefined;
  /** Resolves once a valid bundle is held; rejects (`UNAVAILABLE`) if stopped before that. */
  readonly ready: Promise<void>;
  /** Stops watching (idempotent); the last bundle stays readable. */
  stop(): Promise<void>;
};

type Held = { readonly bundle: TrustBundle; readonly verifier: VerifierBundle };

/** Decodes one entry's value into a bundle, or the issues that refuse it. */
function decodeBundle(
  value: Uint8Array,
): { ok: true; bundle: TrustBundle } | { ok: false; issues: readonly string[] } {
  const text = fromUtf8(value);
  if (text === undefined) return { ok: false, issues: ['value is not UTF-8'] };
  const json = parseJsonText(text);
  if (!json.ok) return { ok: false, issues: ['value is not JSON'] };
  const parsed = parseTrustBundle(json.value);
  return parsed.ok
    ? { ok: true, bundle: parsed.value }
    : { ok: false, issues: parsed.error.issues };
}

/**
 * Starts watching `kv` (the `fed-trust` bucket) for key `bundle`. Returns at once; await
 * `ready` for the first valid bundle. The initial read and the watch run together, so an update
 * between them is never missed, and the sequence rule makes the order they land in irrelevant.
 */
export function watchTrustBundle(kv: RoKV, options: TrustWatchOptions): TrustWatch {
  const { log } = options;
  const rewatchDelayMs = options.rewatchDelayMs ?? 1_000;
  let held: Held | undefined;
  let stopped = false;
  let iterator: QueuedIterator<KvEntry> | undefined;
  const seenRevisions = new Set<number>();
  let resolveReady: () => void = () => undefined;
  let rejectReady: (err: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // A caller that never awaits `ready` must not see an unhandled rejection on stop.
  ready.catch(() => undefined);

  const apply = (entry: KvEntry): void => {
    if (entry.key !== KvKey.bundle) return;
    const once = !seenRevisions.has(entry.revision);
    seenRevisions.add(entry.revision);
    if (entry.operation !== 'PUT') {
      if (once)
        log.warn(
          { revision: entry.revision, op: entry.operation },
          'trust bundle deletion ignored',
        );
      return;
    }
    const decoded = decodeBundle(entry.value);
    if (!decoded.ok) {
      if (once)
        log.warn(
          { revision: entry.revision, issues: decoded.issues },
          'trust bundle invalid, ignored',
        );
      return;
    }
    if (!isNewerBundle(held?.bundle, decoded.bundle)) {
      if (once) {
        log.debug(
          {
            revision: entry.revision,
            sequence: decoded.bundle.sequence,
            current: held?.bundle.sequence,
          },
          'trust bundle not newer, ignored',
        );
      }
      return;
    }
    held = { bundle: decoded.bundle, verifier: toVerifierBundle(decoded.bundle) };
    log.info(
      { revision: entry.revision, sequence: held.bundle.sequence, keys: held.bundle.keys.length },
      'trust bundle loaded',
    );
    resolveReady();
    try {
      options.onChange?.(held.bundle, held.verifier);
    } catch (err) {
      log.error({ err }, 'trust bundle change handler failed');
    }
  };

  const initialRead = async (): Promise<void> => {
    try {
      const entry = await kv.get(KvKey.bundle);
      if (entry !== null) apply(entry);
    } catch (err) {
      log.warn({ err }, 'trust bundle read failed');
    }
  };

  const watchLoop = async (): Promise<void> => {
    while (!stopped) {
      try {
        const it = await kv.watch({ key: KvKey.bundle });
        iterator = it;
        if (stopped) it.stop();
        for await (const entry of it) apply(entry);
      } catch (err) {
        log.warn({ err }, 'trust bundle watch failed');
      }
      if (stopped) return;
      log.warn({}, 'trust bundle watch ended, restarting');
      await new Promise((resolve) => setTimeout(resolve, rewatchDelayMs));
    }
  };

  const loops = Promise.all([initialRead(), watchLoop()]);

  return {
    current: () => held?.verifier,
    bundle: () => held?.bundle,
    ready,
    stop: async () => {
      if (!stopped) {
        stopped = true;
        iterator?.stop();
        if (held === undefined) {
          rejectReady(new AppError(ErrorCode.UNAVAILABLE, 'trust bundle watch stopped'));
        }
      }
      await loops;
    },
  };
}
