import {
  BundleReplySchema,
  isNewerBundle,
  toVerifierBundle,
  type TrustBundle,
  type VerifierBundle,
} from '@fedplane/core';
import { FixedSubject, request, type Log } from '@fedplane/messaging';
import { sleep } from '@fedplane/runtime';
import type { NatsConnection } from '@nats-io/nats-core';

/**
 * The trust bundle from `fed.issuer.bundle` (for agents whose NATS user may call the issuer but
 * not read KV, operations.md Security): fetched at start and every `refresh_hint_s` (between 5 s
 * and 10 min), swapped in only when newer (core `isNewerBundle`). While the issuer is unreachable
 * the last bundle stays.
 */

/** A running poll. */
export type IssuerTrust = {
  current(): VerifierBundle | undefined;
  /** Resolves once a bundle is held (never rejects; stays pending while none arrives). */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
};

const MIN_REFRESH_MS = 5_000;
const MAX_REFRESH_MS = 600_000;
const RETRY_MS = 2_000;

/** Starts polling on `nc`. */
export function pollIssuerTrust(
  nc: NatsConnection,
  options: { readonly log: Log; readonly timeoutMs: number },
): IssuerTrust {
  const { log } = options;
  const controller = new AbortController();
  let bundle: TrustBundle | undefined;
  let verifier: VerifierBundle | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const loop = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      let delay = RETRY_MS;
      try {
        const next = await request(
          nc,
          FixedSubject.issuerBundle,
          {},
          { schema: BundleReplySchema, timeoutMs: options.timeoutMs },
        );
        if (isNewerBundle(bundle, next)) {
          bundle = next;
          verifier = toVerifierBundle(next);
          log.info({ sequence: next.sequence, keys: next.keys.length }, 'trust bundle loaded');
          markReady();
        }
        delay = Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, next.refresh_hint_s * 1000));
      } catch (err) {
        log.warn({ err }, 'trust bundle fetch failed');
      }
      await sleep(delay, controller.signal);
    }
  };
  const running = loop();
  return {
    current: () => verifier,
    ready,
    stop: async () => {
      controller.abort();
      await running;
    },
  };
}
