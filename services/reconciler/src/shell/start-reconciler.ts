import type { VerifierBundle } from '@fedplane/core';
import {
  BucketName,
  SubjectFilter,
  ensureKv,
  ensureStreams,
  eventTypeFilters,
  fedBuckets,
  fedStreams,
  parseNodeStatusSubject,
  watchPosture,
  type CredentialSigner,
  type Log,
} from '@fedplane/messaging';
import {
  natsLeaseStore,
  runLeaseLoop,
  sleep,
  type CheckResult,
  type Clock,
} from '@fedplane/runtime';
import type { Subscription } from '@nats-io/nats-core';
import { registerReconcilerEndpoints } from '../adapters/nats-endpoints.js';
import type { ReconcilerContext } from './context.js';
import { watchInventory } from './inventory-source.js';
import { openJournal } from './journal.js';
import { runPass, type PassMemory } from './pass.js';
import type { ReconcilerSettings } from './settings.js';
import { createStatusReader } from './status-reader.js';

/**
 * The reconciler as a unit: the dry-run endpoint (every instance) and the lease on `fed-leases` /
 * `reconciler`; while it holds the lease, a pass every `RECONCILER_INTERVAL` and, debounced, after
 * any inventory, posture or approval-decision change, and after a status from a node the last
 * pass did not see present and able to sign. Losing the lease stops the next
 * action at once. `main.ts` composes it; tests start it in-process or as a process.
 */

/** The lease key in `fed-leases`. */
export const RECONCILER_LEASE_ROLE = 'reconciler';

/** Dependencies of {@link startReconciler}. */
export type ReconcilerDeps = {
  readonly bus: ReconcilerContext['bus'];
  readonly signer: CredentialSigner;
  readonly trust: { current(): VerifierBundle | undefined };
  readonly settings: ReconcilerSettings;
  readonly clock: Clock;
  readonly log: Log;
  /** Service version for `$SRV.INFO` (default `0.1.0`). */
  readonly version?: string;
  /** Replicas of the streams and buckets ensured at start (`NATS_STREAM_REPLICAS`; default 1). */
  readonly streamReplicas?: number;
};

/** A running reconciler. */
export type Reconciler = {
  readonly agentId: string;
  isLeader(): boolean;
  /** Passes completed by this instance. */
  passes(): number;
  readiness(): CheckResult;
  stop(): Promise<void>;
  /** Settles when stopped; rejects when the lease loop could not run. */
  readonly done: Promise<void>;
};

/** Starts the endpoint, the watches and the lease contention. */
export async function startReconciler(deps: ReconcilerDeps): Promise<Reconciler> {
  const { bus, log, settings } = deps;
  const replicas = deps.streamReplicas ?? 1;
  await ensureStreams(bus.jsm, fedStreams({ replicas }));
  await ensureKv(bus.jsm, fedBuckets({ replicas }));
  const [leaseKv, postureKv, inventoryKv] = await Promise.all([
    bus.kvm.open(BucketName.leases),
    bus.kvm.open(BucketName.enforcement),
    bus.kvm.open(BucketName.inventory),
  ]);
  const stopping = new AbortController();
  let wake: () => void = () => undefined;
  let dirty = false;
  const trigger = (): void => {
    dirty = true;
    wake();
  };

  const memory: PassMemory = {};
  const posture = watchPosture(postureKv, { trust: deps.trust, clock: deps.clock, log });
  const ctxBase = {
    bus,
    signer: deps.signer,
    trust: deps.trust,
    settings,
    clock: deps.clock,
    log,
    postureKv,
    posture,
    journal: await openJournal(bus.kvm, log, replicas),
    statuses: createStatusReader(bus),
  };
  const inventory = watchInventory({
    kv: inventoryKv,
    path: settings.inventoryPath,
    log,
    onChange: trigger,
    onRefused: (refusal) => log.warn({ ...refusal }, 'inventory change refused'),
  });
  const ctx: ReconcilerContext = { ...ctxBase, inventory };
  await Promise.all([posture.ready, inventory.ready]);
  posture.onChange(trigger);
  const subs: Subscription[] = [
    bus.nc.subscribe(SubjectFilter.nodeStatus, {
      callback: (_err, msg) => {
        const node = parseNodeStatusSubject(msg.subject);
        if (!node.ok || memory.settled?.has(node.value) !== true) trigger();
      },
    }),
    ...eventTypeFilters('approval.decided').map((s) => bus.nc.subscribe(s, { callback: trigger })),
  ];
  const service = await registerReconcilerEndpoints(ctx, deps.version ?? '0.1.0');

  let leader = false;
  let passes = 0;
  let failures = 0;
  const passLoop = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      if (leader) {
        dirty = false;
        try {
          const outcome = await runPass(ctx, () => leader && !stopping.signal.aborted, memory);
          passes += 1;
          failures = 0;
          log.debug({ ...outcome, passes }, 'pass done');
        } catch (err) {
          failures += 1;
          log.error({ err, failures }, 'pass failed');
        }
      }
      if (dirty && leader) {
        await sleep(settings.debounceMs, stopping.signal);
        continue;
      }
      if (stopping.signal.aborted) return;
      await new Promise<void>((resolve) => {
        let debounce: NodeJS.Timeout | undefined;
        const done = (): void => {
          clearTimeout(timer);
          clearTimeout(debounce);
          stopping.signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, settings.intervalMs);
        wake = () => {
          clearTimeout(timer);
          debounce ??= setTimeout(done, settings.debounceMs);
        };
        stopping.signal.addEventListener('abort', done, { once: true });
      });
      wake = () => undefined;
    }
  };

  const leaseRun = runLeaseLoop(
    {
      kv: natsLeaseStore(leaseKv),
      role: RECONCILER_LEASE_ROLE,
      holder: deps.signer.agentId,
      ttlMs: settings.leaseTtlMs,
      renewEveryMs: Math.max(100, Math.floor(settings.leaseTtlMs / 3)),
      clock: deps.clock,
      log,
      onAcquired: (lease) => {
        leader = true;
        log.info({ takeover_from: lease.takeoverFrom }, 'reconciler leading');
        trigger();
      },
      onLost: (reason) => {
        leader = false;
        log.warn({ reason }, 'reconciler standing by');
      },
    },
    stopping.signal,
  );
  const loop = passLoop();
  const done = Promise.all([leaseRun, loop]).then(() => undefined);
  done.catch(() => undefined);

  return {
    agentId: deps.signer.agentId,
    isLeader: () => leader,
    passes: () => passes,
    readiness: () =>
      failures >= 3 ? { ok: false, reason: `${failures} passes failed in a row` } : { ok: true },
    stop: async () => {
      if (!stopping.signal.aborted) {
        stopping.abort();
        wake();
        for (const sub of subs) sub.unsubscribe();
        await service.stop().catch(() => undefined);
      }
      await done.catch(() => undefined);
      await Promise.all([posture.stop(), inventory.stop(), ctx.journal.stop()]);
    },
    done,
  };
}
