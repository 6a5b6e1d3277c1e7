import { migrate, type Connectable, type MigrateResult } from '@fedplane/audit-store';
import {
  auditorConsumer,
  ensureConsumer,
  ensureKv,
  ensureStreams,
  fedBuckets,
  fedStreams,
  type Log,
} from '@fedplane/messaging';
import type { JetStreamManager } from '@nats-io/jetstream';

/**
 * Start-up declarations of the auditor: the streams and buckets of bus.md, the durable `auditor`
 * consumer on `FED_EVENTS`, and the audit-store migrations. Every step is idempotent and safe
 * when several instances start together.
 */

/** Options of {@link prepareAuditor}. */
export type PrepareOptions = {
  readonly jsm: JetStreamManager;
  readonly pool: Connectable;
  readonly log: Log;
  /** Stream and bucket replicas (1 on one server, 3 on a cluster). */
  readonly replicas?: number;
};

/** Ensures streams, buckets and the consumer, then migrates the database. */
export async function prepareAuditor(options: PrepareOptions): Promise<MigrateResult> {
  const { jsm, log } = options;
  const replicas = options.replicas ?? 1;
  await ensureStreams(jsm, fedStreams({ replicas }), { log });
  await ensureKv(jsm, fedBuckets({ replicas }), { log });
  await ensureConsumer(jsm, auditorConsumer(), { log });
  return migrate(options.pool, { log });
}
