import type { Connectable } from '@fedplane/audit-store';
import type { VerifierBundle } from '@fedplane/core';
import { BucketName, type CredentialSigner, type Log } from '@fedplane/messaging';
import {
  natsLeaseStore,
  runLeaseLoop,
  runTasks,
  sleep,
  type CheckResult,
  type Clock,
} from '@fedplane/runtime';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { registerAuditorEndpoints } from '../adapters/nats.js';
import { runCheckpointLoop } from './checkpoint-loop.js';
import { runIngestLoop, type IngestStatus } from './ingest-loop.js';
import { createRejectionAlerts } from './rejection-alerts.js';

/**
 * The auditor as a unit: the `fed.audit.*` endpoints (every instance), and the lease on
 * `fed-leases` / `auditor`; while it holds the lease, an ingest session (ingest loop + checkpoint
 * loop). Losing the lease aborts the session at once; the session is restarted after a failure
 * while the lease is still held. `main.ts` composes it; tests start it in-process.
 */

/** The lease key in `fed-leases`. */
export const AUDITOR_LEASE_ROLE = 'auditor';

/** Tunables (from `config.ts`). */
export type AuditorSettings = {
  /** `AUDITOR_BATCH`. */
  readonly batch: number;
  /** `AUDITOR_BATCH_WAIT_MS`. */
  readonly batchWaitMs: number;
  /** `AUDITOR_CHECKPOINT_INTERVAL` in ms. */
  readonly checkpointIntervalMs: number;
  /** `AUDITOR_LEASE_TTL` in ms; renewed every third of it. */
  readonly leaseTtlMs: number;
};

/** Dependencies of {@link startAuditor}. */
export type AuditorDeps = {
  readonly bus: {
    readonly nc: NatsConnection;
    readonly js: JetStreamClient;
    readonly jsm: JetStreamManager;
    readonly kvm: Kvm;
  };
  readonly pool: Connectable;
  /** This instance's identity (`svc/auditor/<instance>`): lease holder, alert and checkpoint signer. */
  readonly signer: CredentialSigner;
  /** The live trust bundle. */
  readonly trust: { current(): VerifierBundle | undefined };
  readonly settings: AuditorSettings;
  readonly clock: Clock;
  readonly log: Log;
  /** Randomness in [0, 1) (default Math.random). */
  readonly random?: () => number;
  /** Service version for `$SRV.INFO` (default `0.1.0`). */
  readonly version?: string;
};

/** What the instance reports. */
export type AuditorStatus = IngestStatus & {
  readonly leader: boolean;
  readonly sessions: number;
  readonly alertsPublished: number;
  readonly alertsPending: number;
};

/** A running auditor. */
export type Auditor = {
  readonly agentId: string;
  /** True while this instance holds the lease. */
  isLeader(): boolean;
  status(): AuditorStatus;
  /** Readiness: failing while appends keep failing. */
  readiness(): CheckResult;
  /** Stops intake, releases the lease, ends the session (with a final checkpoint). */
  stop(): Promise<void>;
  /** Settles when the auditor stopped; rejects when its lease loop could not run. */
  readonly done: Promise<void>;
};

const SESSION_RETRY_MS = 1_000;
const UNREADY_AFTER_FAILURES = 3;

/** Starts the endpoints and the lease contention. */
export async function startAuditor(deps: AuditorDeps): Promise<Auditor> {
  const { bus, log, clock, settings } = deps;
  const random = deps.random ?? Math.random;
  const [leaseKv, auditKv] = await Promise.all([
    bus.kvm.open(BucketName.leases),
    bus.kvm.open(BucketName.audit),
  ]);
  const endpoints = await registerAuditorEndpoints({
    nc: bus.nc,
    pool: deps.pool,
    kv: auditKv,
    trust: deps.trust,
    log,
    version: deps.version ?? '0.1.0',
  });
  const status: IngestStatus = { appended: 0, acked: 0, appendFailures: 0, lastCommitAtMs: null };
  const alerts = createRejectionAlerts({ js: bus.js, signer: deps.signer, clock, log });
  const stopping = new AbortController();
  let leader = false;
  let sessions = 0;
  let session: { controller: AbortController } | undefined;
  let previous: Promise<void> = Promise.resolve();

  const runSession = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      sessions += 1;
      try {
        await runTasks(
          signal,
          (s) =>
            runIngestLoop(
              {
                js: bus.js,
                jsm: bus.jsm,
                pool: deps.pool,
                trust: deps.trust,
                alerts,
                clock,
                log,
                random,
                batch: settings.batch,
                batchWaitMs: settings.batchWaitMs,
                status,
              },
              s,
            ),
          (s) =>
            runCheckpointLoop(
              {
                pool: deps.pool,
                js: bus.js,
                kv: auditKv,
                signer: deps.signer,
                clock,
                log,
                intervalMs: settings.checkpointIntervalMs,
              },
              s,
            ),
        );
      } catch (err) {
        log.warn({ err }, 'ingest session failed');
      }
      if (!signal.aborted) await sleep(SESSION_RETRY_MS, signal);
    }
  };

  let closing = false;
  const onAcquired = (): void => {
    leader = true;
    if (closing) return;
    const controller = new AbortController();
    const after = previous;
    session = { controller };
    previous = after.then(() =>
      controller.signal.aborted ? undefined : runSession(controller.signal),
    );
  };
  const onLost = (): void => {
    leader = false;
    session?.controller.abort();
    session = undefined;
  };

  const leaseLoop = runLeaseLoop(
    {
      kv: natsLeaseStore(leaseKv),
      role: AUDITOR_LEASE_ROLE,
      holder: deps.signer.agentId,
      ttlMs: settings.leaseTtlMs,
      renewEveryMs: Math.max(1, Math.floor(settings.leaseTtlMs / 3)),
      clock,
      log,
      onAcquired,
      onLost,
    },
    stopping.signal,
  );
  const done = leaseLoop.finally(async () => {
    onLost();
    await previous;
  });
  done.catch(() => undefined);

  return {
    agentId: deps.signer.agentId,
    isLeader: () => leader,
    status: () => ({
      ...status,
      leader,
      sessions,
      alertsPublished: alerts.published(),
      alertsPending: alerts.pending(),
    }),
    readiness: () =>
      status.appendFailures >= UNREADY_AFTER_FAILURES
        ? { ok: false, reason: `audit append failing (${status.appendFailures} attempts)` }
        : { ok: true },
    stop: async () => {
      await endpoints.stop();
      // End the session while the lease is still held (its last commit and checkpoint land
      // before a standby can start), then release the lease.
      closing = true;
      session?.controller.abort();
      await previous;
      stopping.abort();
      await done.catch((err: unknown) => {
        log.error({ err }, 'auditor lease loop failed');
      });
    },
    done,
  };
}
