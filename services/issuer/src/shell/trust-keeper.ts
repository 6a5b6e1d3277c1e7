import {
  AppError,
  ErrorCode,
  activateNext,
  addNextKey,
  canActivateNext,
  createTrustBundle,
  fromUtf8,
  nextActivationAtMs,
  parseJsonText,
  parseTrustBundle,
  publicKeyFromSeed,
  signingKeyId,
  type RotationResult,
  type TrustBundle,
  type VerifierBundle,
} from '@fedplane/core';
import {
  KvKey,
  createIfAbsent,
  seedIssuerSigner,
  updateIfRevision,
  watchTrustBundle,
  type IssuerSigner,
  type Log,
  type TrustWatch,
} from '@fedplane/messaging';
import type { KV } from '@nats-io/kv';
import type { Clock } from '@fedplane/runtime';
import { nextIssuerId, rotationSteps } from '../core/key-rotation.js';
import type { KeyStore } from '../adapters/key-files.js';
import { insertBundle, latestBundle, lockBundles } from '../adapters/pg-bundles.js';
import { insertOutbox, type OutboxEvent } from '../adapters/pg-outbox.js';
import { withTransaction, type Connectable, type Queryable } from '../adapters/pg-transaction.js';
import type { EventSink } from './event-sink.js';

/**
 * The trust bundle and the issuer keys (identity.md, Trust bundle; publish-before-use rotation).
 * Postgres `trust_bundles` is the source of truth: every transition happens under an advisory
 * lock, is stored with its `issuer.key_rotated` events, then mirrored to KV `fed-trust`/`bundle`
 * by compare-and-set (the KV sequence never goes down). Signing uses only the `active` key of the
 * bundle read back from KV, so no key signs anything before verifiers can hold it.
 */

/** Dependencies of {@link startTrustKeeper}. */
export type TrustKeeperDeps = {
  readonly pool: Connectable;
  readonly kv: KV;
  readonly keys: KeyStore;
  readonly clock: Clock;
  readonly log: Log;
  readonly events: EventSink;
  readonly trustDomain: string;
  readonly rootId: string;
  readonly refreshHintS: number;
};

/** What `rotate` reports. */
export type RotateOutcome = {
  readonly issuer_id: string;
  readonly public_key: string;
  readonly bundle_sequence: number;
  readonly activates_at: string;
};

/** The running keeper. */
export type TrustKeeper = {
  /** The bundle as published (read back from KV), or `undefined` before the first one. */
  published(): TrustBundle | undefined;
  /** Its verifier view. */
  verifier(): VerifierBundle | undefined;
  /** The active key's id and seed; `UNAVAILABLE` when there is none or its key file is missing. */
  signingKey(): Promise<{ readonly issuerId: string; readonly seed: Uint8Array }>;
  /** An issuer signer over the active key (for events). */
  signer(): Promise<IssuerSigner>;
  /** Adds a `next` key (publish-before-use); `CONFLICT` while one is pending. */
  rotate(cause?: string): Promise<RotateOutcome>;
  /** Activates a due `next` key, and re-mirrors the stored bundle to KV when KV is behind. */
  maintain(): Promise<void>;
  stop(): Promise<void>;
};

function encode(bundle: TrustBundle): string {
  return JSON.stringify(bundle);
}

function decodeKv(value: Uint8Array): TrustBundle | undefined {
  const text = fromUtf8(value);
  const json = text === undefined ? undefined : parseJsonText(text);
  const parsed = json?.ok === true ? parseTrustBundle(json.value) : undefined;
  return parsed?.ok === true ? parsed.value : undefined;
}

function mustOk(result: RotationResult): TrustBundle {
  if (result.ok) return result.value;
  const { tag, ...details } = result.error;
  const code = tag === 'trust_bundle_next_exists' ? ErrorCode.CONFLICT : ErrorCode.INTERNAL;
  throw new AppError(code, `trust bundle transition refused: ${tag}`, {
    details: { reason: tag, ...details },
  });
}

/** Writes `bundle` to KV unless KV already holds this or a newer sequence. */
async function mirror(kv: KV, bundle: TrustBundle, log: Log): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const entry = await kv.get(KvKey.bundle);
    const live = entry?.operation === 'PUT' ? decodeKv(entry.value) : undefined;
    if (live !== undefined && live.sequence >= bundle.sequence) return;
    const result =
      entry === null
        ? await createIfAbsent(kv, KvKey.bundle, encode(bundle))
        : await updateIfRevision(kv, KvKey.bundle, encode(bundle), entry.revision);
    if (result.ok) {
      log.info({ sequence: bundle.sequence, revision: result.revision }, 'trust bundle published');
      return;
    }
  }
  throw new AppError(ErrorCode.UNAVAILABLE, 'trust bundle publish kept conflicting');
}

/**
 * Bootstraps the bundle (adopting a newer KV value, or creating the first one with the root key),
 * mirrors it to KV, starts watching KV and resolves once the published bundle is held.
 */
export async function startTrustKeeper(deps: TrustKeeperDeps): Promise<TrustKeeper> {
  const { log, kv, keys } = deps;

  const transition = async (
    change: (current: TrustBundle, db: Queryable) => Promise<TrustBundle | undefined>,
    cause?: string,
  ): Promise<TrustBundle | undefined> => {
    const outcome = await withTransaction(deps.pool, async (db) => {
      await lockBundles(db);
      const current = await latestBundle(db);
      if (current === undefined) throw new AppError(ErrorCode.UNAVAILABLE, 'no trust bundle yet');
      const next = await change(current, db);
      if (next === undefined) return undefined;
      const nowMs = deps.clock.nowMs();
      await insertBundle(db, next, encode(next), nowMs);
      const events = stepEvents(current, next, cause);
      await insertOutbox(db, events, nowMs);
      return { next, events };
    });
    if (outcome === undefined) return undefined;
    await mirror(kv, outcome.next, log);
    deps.events.committed(outcome.events);
    return outcome.next;
  };

  const stepEvents = (before: TrustBundle, after: TrustBundle, cause?: string): OutboxEvent[] =>
    rotationSteps(before, after).map((step) =>
      deps.events.build({
        type: 'issuer.key_rotated',
        subject: step.issuer_id,
        ...(cause === undefined ? {} : { cause }),
        data: step,
      }),
    );

  const bootstrap = async (): Promise<OutboxEvent[]> => {
    const seed = await keys.loadOrCreate(deps.rootId);
    const result = await withTransaction(deps.pool, async (db) => {
      await lockBundles(db);
      const nowMs = deps.clock.nowMs();
      let current = await latestBundle(db);
      const entry = await kv.get(KvKey.bundle);
      const live = entry?.operation === 'PUT' ? decodeKv(entry.value) : undefined;
      const events: OutboxEvent[] = [];
      if (live !== undefined && (current === undefined || live.sequence > current.sequence)) {
        log.warn({ sequence: live.sequence }, 'adopting a newer trust bundle found in kv');
        await insertBundle(db, live, encode(live), nowMs);
        current = live;
      }
      if (current === undefined) {
        const first = mustOk(
          createTrustBundle(
            {
              trustDomain: deps.trustDomain,
              refreshHintS: deps.refreshHintS,
              issuerId: deps.rootId,
              publicKey: publicKeyFromSeed(seed),
            },
            nowMs,
          ),
        );
        await insertBundle(db, first, encode(first), nowMs);
        events.push(...stepEvents({ ...first, sequence: 0, keys: [] }, first));
        current = first;
      }
      if (current.trust_domain !== deps.trustDomain) {
        throw new AppError(ErrorCode.INTERNAL, 'stored trust bundle is for another trust domain', {
          details: { stored: current.trust_domain, configured: deps.trustDomain },
        });
      }
      if (current.refresh_hint_s !== deps.refreshHintS) {
        const updated = {
          ...current,
          sequence: current.sequence + 1,
          refresh_hint_s: deps.refreshHintS,
        };
        await insertBundle(db, updated, encode(updated), nowMs);
        log.info({ refresh_hint_s: deps.refreshHintS }, 'trust bundle refresh hint changed');
        current = updated;
      }
      await insertOutbox(db, events, nowMs);
      return { current, events };
    });
    await mirror(kv, result.current, log);
    return result.events;
  };

  const bootEvents = await bootstrap();
  const watch: TrustWatch = watchTrustBundle(kv, {
    log,
    onChange: (bundle) => {
      for (const key of bundle.keys) {
        if (key.state !== 'retired') {
          keys.load(key.issuer_id).catch((err: unknown) => {
            log.warn({ err, issuer_id: key.issuer_id }, 'issuer key not loadable');
          });
        }
      }
    },
  });
  await watch.ready;
  deps.events.committed(bootEvents);

  const signingKey = async (): Promise<{ issuerId: string; seed: Uint8Array }> => {
    const bundle = watch.bundle();
    const issuerId = bundle === undefined ? undefined : signingKeyId(bundle);
    if (issuerId === undefined) {
      throw new AppError(ErrorCode.UNAVAILABLE, 'no active issuer key', {
        details: { reason: 'issuer_no_active_key' },
      });
    }
    const seed = await keys.load(issuerId);
    if (seed === undefined) {
      throw new AppError(ErrorCode.UNAVAILABLE, 'active issuer key file is missing', {
        details: { reason: 'issuer_missing_private_key', issuer_id: issuerId },
      });
    }
    return { issuerId, seed };
  };

  return {
    published: () => watch.bundle(),
    verifier: () => watch.current(),
    signingKey,
    signer: async () => {
      const key = await signingKey();
      return seedIssuerSigner({ issuerId: key.issuerId, seed: key.seed });
    },
    rotate: async (cause) => {
      let created: { issuerId: string; publicKey: Uint8Array } | undefined;
      const next = await transition(async (current) => {
        const pending = current.keys.find((k) => k.state === 'next');
        if (pending !== undefined) {
          throw new AppError(ErrorCode.CONFLICT, 'a next key is already published', {
            details: {
              reason: 'trust_bundle_next_exists',
              issuer_id: pending.issuer_id,
              activates_at: new Date(nextActivationAtMs(current) ?? 0).toISOString(),
            },
          });
        }
        const issuerId = nextIssuerId(current, deps.rootId);
        if (issuerId === undefined) {
          throw new AppError(ErrorCode.INTERNAL, 'no valid id for the next key', {
            details: { reason: 'trust_bundle_bad_issuer_id' },
          });
        }
        const publicKey = publicKeyFromSeed(await keys.loadOrCreate(issuerId));
        created = { issuerId, publicKey };
        return mustOk(addNextKey(current, created, deps.clock.nowMs()));
      }, cause);
      const key = next?.keys.find((k) => k.issuer_id === created?.issuerId);
      if (next === undefined || key === undefined) throw new Error('rotation produced no key');
      return {
        issuer_id: key.issuer_id,
        public_key: key.public_key,
        bundle_sequence: next.sequence,
        activates_at: new Date(nextActivationAtMs(next) ?? 0).toISOString(),
      };
    },
    maintain: async () => {
      const published = watch.bundle();
      if (published !== undefined && canActivateNext(published, deps.clock.nowMs())) {
        await transition(async (current) => {
          const nowMs = deps.clock.nowMs();
          if (!canActivateNext(current, nowMs)) return undefined;
          const pending = current.keys.find((k) => k.state === 'next');
          if (pending !== undefined && (await keys.load(pending.issuer_id)) === undefined) {
            log.error({ issuer_id: pending.issuer_id }, 'next key file missing; not activating');
            return undefined;
          }
          return mustOk(activateNext(current, nowMs));
        });
      }
      // KV may lag the database (a publish failed) or have been wiped: mirror the latest.
      const stored = await latestBundle(deps.pool);
      if (stored !== undefined) await mirror(kv, stored, log);
    },
    stop: () => watch.stop(),
  };
}
