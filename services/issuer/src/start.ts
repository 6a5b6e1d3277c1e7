import { AppError, ErrorCode } from '@fedplane/core';
import {
  BucketName,
  ensureKv,
  ensureStreams,
  fedBuckets,
  fedStreams,
  type Bus,
  type IssuerSigner,
  type Log,
} from '@fedplane/messaging';
import {
  createGroupCommit,
  createServiceStatus,
  runTasks,
  sleep,
  systemClock,
  type Clock,
} from '@fedplane/runtime';
import type { IssuerConfig } from './config.js';
import { createKeyStore } from './adapters/key-files.js';
import { registerIssuerEndpoints } from './adapters/nats-endpoints.js';
import { migrateIssuer } from './adapters/pg-migrate.js';
import { deleteExpiredNonces } from './adapters/pg-nonces.js';
import type { Connectable } from './adapters/pg-transaction.js';
import { loadServiceSecrets } from './adapters/service-secrets-file.js';
import { createEventSink } from './shell/event-sink.js';
import { RENEW_BATCH_MAX, type IssuerDeps } from './shell/issuer-deps.js';
import { createIssuerIdentity } from './shell/issuer-identity.js';
import { createLineageCache } from './shell/lineage-cache.js';
import { renewManyIfCurrent } from './adapters/pg-renew-cas.js';
import { createRefusalGate } from './shell/refusal-gate.js';
import { startTrustKeeper, type TrustKeeper } from './shell/trust-keeper.js';

/**
 * Starts one issuer instance on an open bus and pool (the composition below is what `main.ts`
 * runs; tests call it in-process, several times over one database and key directory): migrate,
 * declare the streams and buckets, load the service secrets and keys, bootstrap and watch the
 * trust bundle, serve the endpoints, and run the outbox sweeper, the maintenance loop
 * (rotation activation, KV mirror, nonce expiry, the instance's own credential) and the signed
 * instance status on `fed.status.svc.issuer.<instance>` (runtime `createServiceStatus`). `stop()` stops intake and the loops; the
 * caller closes the bus and the pool.
 */

/** Options of {@link startIssuer}. */
export type StartIssuerOptions = {
  readonly config: IssuerConfig;
  readonly log: Log;
  readonly bus: Bus;
  readonly pool: Connectable;
  readonly clock?: Clock;
  /** Service version in `$SRV.INFO` (default `0.1.0`). */
  readonly version?: string;
  /** Outbox sweep period (default 2 000 ms). */
  readonly sweepMs?: number;
  /** Period of the signed instance status (default 15 s). */
  readonly statusIntervalMs?: number;
};

/** A running issuer instance. */
export type IssuerHandle = {
  readonly deps: IssuerDeps;
  readonly trust: TrustKeeper;
  /** The agent id events are emitted as (`svc/issuer/<instance>`). */
  readonly actor: string;
  /** Stops intake, the loops and the bundle watch; waits for pending event publishes. */
  stop(): Promise<void>;
};

const NONCE_SWEEP_MS = 60_000;
const NONCE_BATCH = 10_000;

function maintenancePeriodMs(refreshHintS: number): number {
  return Math.max(200, Math.min(5_000, (refreshHintS * 1000) / 4));
}

/** Starts an issuer instance (see the module comment). Rejects when a dependency fails. */
export async function startIssuer(options: StartIssuerOptions): Promise<IssuerHandle> {
  const { config, log, bus, pool } = options;
  const clock = options.clock ?? systemClock;
  const actor = `svc/issuer/${config.instanceId}`;
  await migrateIssuer(pool, log);
  const replicas = config.streamReplicas ?? 1;
  await ensureStreams(bus.jsm, fedStreams({ replicas }), { log });
  await ensureKv(bus.jsm, fedBuckets({ replicas }), { log });
  const serviceSecrets = await loadServiceSecrets(config.serviceSecretsFile);
  const keys = createKeyStore({
    dir: config.keyDir,
    rootId: config.issuerId,
    rootFile: config.keyFile,
    log,
  });
  const kv = await bus.kvm.open(BucketName.trust);

  let resolveKeeper: (keeper: TrustKeeper) => void = () => undefined;
  let rejectKeeper: (err: unknown) => void = () => undefined;
  const keeperReady = new Promise<TrustKeeper>((resolve, reject) => {
    resolveKeeper = resolve;
    rejectKeeper = reject;
  });
  keeperReady.catch(() => undefined);
  const events = createEventSink({
    js: bus.js,
    pool,
    clock,
    log,
    actor,
    signer: async (): Promise<IssuerSigner> => (await keeperReady).signer(),
    ...(options.sweepMs === undefined ? {} : { sweepMs: options.sweepMs }),
  });
  let trust: TrustKeeper;
  try {
    trust = await startTrustKeeper({
      pool,
      kv,
      keys,
      clock,
      log,
      events,
      trustDomain: config.trustDomain,
      rootId: config.issuerId,
      refreshHintS: config.refreshHintS,
    });
  } catch (err) {
    rejectKeeper(new AppError(ErrorCode.UNAVAILABLE, 'trust keeper failed', { cause: err }));
    throw err;
  }
  resolveKeeper(trust);

  const deps: IssuerDeps = {
    pool,
    clock,
    log,
    keys,
    trust,
    events,
    serviceSecrets,
    lineage: createLineageCache(),
    renewWrites: createGroupCommit((renewals) => renewManyIfCurrent(pool, renewals), {
      maxItems: RENEW_BATCH_MAX,
    }),
    refusals: createRefusalGate(clock),
    policy: {
      trustDomain: config.trustDomain,
      leafTtlS: config.leafTtlS,
      joinTokenTtlMs: config.joinTokenTtlMs,
      intermediateTtlS: config.intermediateTtlS,
    },
  };
  const version = options.version ?? '0.1.0';
  const service = await registerIssuerEndpoints(bus.nc, deps, {
    version,
    instance: config.instanceId,
  });
  const identity = createIssuerIdentity(deps, { actor, version });
  const status = createServiceStatus({
    js: bus.js,
    service: 'issuer',
    instance: config.instanceId,
    body: () => identity.status(),
    signer: () => identity.signer(),
    log,
    ...(options.statusIntervalMs === undefined ? {} : { intervalMs: options.statusIntervalMs }),
  });

  const controller = new AbortController();
  const maintain = async (signal: AbortSignal): Promise<void> => {
    const period = maintenancePeriodMs(config.refreshHintS);
    let lastNonceSweep = 0;
    while (!signal.aborted) {
      try {
        await trust.maintain();
        if (await identity.refresh()) status.changed();
        if (clock.nowMs() - lastNonceSweep >= NONCE_SWEEP_MS) {
          lastNonceSweep = clock.nowMs();
          let removed = 0;
          for (let batch = NONCE_BATCH; batch === NONCE_BATCH && !signal.aborted;) {
            batch = await deleteExpiredNonces(pool, clock.nowMs(), NONCE_BATCH);
            removed += batch;
          }
          if (removed > 0) log.debug({ removed }, 'expired renewal nonces removed');
        }
      } catch (err) {
        log.warn({ err }, 'issuer maintenance failed');
      }
      await sleep(period, signal);
    }
  };
  const loops = runTasks(
    controller.signal,
    (s) => events.runSweeper(s),
    maintain,
    (s) => status.run(s),
  ).catch((err: unknown) => log.error({ err }, 'issuer loop failed'));
  log.info(
    { issuer_id: config.issuerId, trust_domain: config.trustDomain, actor },
    'issuer started',
  );

  let stopping: Promise<void> | undefined;
  return {
    deps,
    trust,
    actor,
    stop: () => {
      stopping ??= (async () => {
        await service.stop();
        controller.abort();
        await loops;
        await events.flush();
        await trust.stop();
        log.info({}, 'issuer stopped');
      })();
      return stopping;
    },
  };
}
