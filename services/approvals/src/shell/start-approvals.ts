import { randomBytes } from 'node:crypto';
import { UUID_V7_RANDOM_BYTES, uuidV7, type VerifierBundle } from '@fedplane/core';
import {
  BucketName,
  ensureKv,
  ensureStreams,
  fedBuckets,
  fedStreams,
  type Bus,
  type CredentialSigner,
  type Log,
} from '@fedplane/messaging';
import {
  natsLeaseStore,
  runLeaseLoop,
  runTasks,
  sleep,
  systemClock,
  type Clock,
} from '@fedplane/runtime';
import type { FastifyInstance } from 'fastify';
import { buildApprovalsApp } from '../adapters/http/build-app.js';
import { registerApprovalsEndpoints } from '../adapters/nats-endpoints.js';
import { migrateApprovals } from '../adapters/pg-migrate.js';
import type { Connectable } from '../adapters/pg-transaction.js';
import type { UiOptions } from '../adapters/ui/register-ui.js';
import type { ApprovalsDeps, ApprovalsSettings } from './approvals-deps.js';
import { createEventSink } from './event-sink.js';
import { sweepExpired } from './expiry-sweep.js';
import { createSseHub, type SseHub } from './sse-hub.js';

/**
 * One approvals instance on an open bus and pool (what `main.ts` runs; tests start several over
 * one database): migrate, declare streams and buckets, the SSE hub on `fed.evt.approval.>`, the
 * HTTP app (listening when `http` is given), the NATS endpoints (queue group `q`), the outbox
 * sweeper (every instance), and the expiry sweeper while this instance holds the
 * `fed-leases` / `approvals-sweeper` lease. `stop()` stops intake and the loops; the caller
 * closes the bus and the pool.
 */

/** The lease key of the expiry sweeper in `fed-leases`. */
export const SWEEPER_LEASE_ROLE = 'approvals-sweeper';

/** Runtime tunables besides the use-case settings. */
export type InstanceSettings = ApprovalsSettings & {
  /** `APPROVALS_SWEEP_INTERVAL` in ms. */
  readonly sweepIntervalMs: number;
  /** `APPROVALS_LEASE_TTL` in ms. */
  readonly leaseTtlMs: number;
  /** `APPROVALS_SSE_BUFFER`: frames a subscriber may have queued before `lagged`. */
  readonly sseBufferFrames: number;
  /** `APPROVALS_SSE_KEEPALIVE` in ms. */
  readonly keepaliveMs: number;
};

/** Options of {@link startApprovals}. */
export type StartApprovalsOptions = {
  readonly bus: Bus;
  readonly pool: Connectable;
  /** This instance's identity (`svc/approvals/<instance>`). */
  readonly signer: CredentialSigner;
  readonly trust: { current(): VerifierBundle | undefined };
  readonly settings: InstanceSettings;
  readonly apiKeys: readonly string[];
  readonly hmacSecret: string | null;
  readonly log: Log;
  readonly instance: string;
  /** Where to listen; omitted = not listening (tests use `inject`). */
  readonly http?: { readonly port: number; readonly host: string };
  readonly clock?: Clock;
  readonly ui?: UiOptions | false;
  readonly version?: string;
  /** Outbox sweep period (default 2 000 ms). */
  readonly outboxSweepMs?: number;
  readonly onAuthFailure?: (reason: string) => void;
  /** Replicas of the streams and buckets ensured at start (`NATS_STREAM_REPLICAS`; default 1). */
  readonly streamReplicas?: number;
};

/** A running instance. */
export type ApprovalsInstance = {
  readonly app: FastifyInstance;
  /** The port it listens on (0 when not listening). */
  readonly port: number;
  readonly hub: SseHub;
  readonly deps: ApprovalsDeps;
  /** True while this instance runs the expiry sweeper. */
  isSweeper(): boolean;
  /** Stops intake and the loops; waits for staged event publishes. */
  stop(): Promise<void>;
  /** Rejects when a background loop (outbox sweeper, sweeper lease) failed for good. */
  readonly done: Promise<void>;
};

/** Starts an instance (see the module comment). */
export async function startApprovals(options: StartApprovalsOptions): Promise<ApprovalsInstance> {
  const { bus, pool, log, settings, signer } = options;
  const clock = options.clock ?? systemClock;
  await migrateApprovals(pool, log);
  const replicas = options.streamReplicas ?? 1;
  await ensureStreams(bus.jsm, fedStreams({ replicas }), { log });
  await ensureKv(bus.jsm, fedBuckets({ replicas }), { log });
  const leaseKv = await bus.kvm.open(BucketName.leases);
  const events = createEventSink({
    js: bus.js,
    pool,
    clock,
    log,
    signer,
    ...(options.outboxSweepMs === undefined ? {} : { sweepMs: options.outboxSweepMs }),
  });
  const deps: ApprovalsDeps = {
    pool,
    clock,
    log,
    events,
    signer,
    settings,
    newId: (nowMs) => uuidV7(nowMs, new Uint8Array(randomBytes(UUID_V7_RANDOM_BYTES))),
  };
  const hub = createSseHub({
    nc: bus.nc,
    pool,
    clock,
    log,
    trust: options.trust,
    configuredRules: settings.configuredRules,
    bufferFrames: settings.sseBufferFrames,
    keepaliveMs: settings.keepaliveMs,
  });
  await hub.start();
  const app = await buildApprovalsApp({
    deps,
    hub,
    apiKeys: options.apiKeys,
    hmacSecret: options.hmacSecret,
    ...(options.ui === undefined ? {} : { ui: options.ui }),
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.onAuthFailure === undefined ? {} : { onAuthFailure: options.onAuthFailure }),
  });
  let port = 0;
  if (options.http !== undefined) {
    await app.listen({ port: options.http.port, host: options.http.host });
    const address = app.server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  } else {
    await app.ready();
  }
  const service = await registerApprovalsEndpoints(bus.nc, deps, {
    version: options.version ?? '0.1.0',
    instance: options.instance,
  });

  const controller = new AbortController();
  let sweeper: AbortController | undefined;
  let sweeping: Promise<void> = Promise.resolve();
  const sweepLoop = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      try {
        await sweepExpired(deps, signal);
      } catch (err) {
        log.warn({ err }, 'expiry sweep failed');
      }
      await sleep(settings.sweepIntervalMs, signal);
    }
  };
  const lease = runLeaseLoop(
    {
      kv: natsLeaseStore(leaseKv),
      role: SWEEPER_LEASE_ROLE,
      holder: signer.agentId,
      ttlMs: settings.leaseTtlMs,
      renewEveryMs: Math.max(1, Math.floor(settings.leaseTtlMs / 3)),
      clock,
      log,
      onAcquired: () => {
        if (controller.signal.aborted) return;
        const c = new AbortController();
        sweeper = c;
        const previous = sweeping;
        sweeping = previous.then(() => (c.signal.aborted ? undefined : sweepLoop(c.signal)));
      },
      onLost: () => {
        sweeper?.abort();
        sweeper = undefined;
      },
    },
    controller.signal,
  );
  const loops = runTasks(
    controller.signal,
    (s) => events.runSweeper(s),
    () => lease,
  );
  loops.catch(() => undefined);
  log.info({ agent_id: signer.agentId, http_port: port }, 'approvals started');

  let stopping: Promise<void> | undefined;
  return {
    app,
    port,
    hub,
    deps,
    isSweeper: () => sweeper !== undefined,
    done: loops,
    stop: () => {
      stopping ??= (async () => {
        await service.stop();
        await hub.stop();
        await app.close();
        sweeper?.abort();
        await sweeping;
        controller.abort();
        await loops.catch((err: unknown) => log.error({ err }, 'approvals loop failed'));
        await events.flush();
        log.info({}, 'approvals stopped');
      })();
      return stopping;
    },
  };
}
