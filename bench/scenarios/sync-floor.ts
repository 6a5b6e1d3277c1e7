import { randomBytes } from 'node:crypto';
import { publicKeyFromSeed, signEd25519, utf8, verifyEd25519 } from '@fedplane/core';
import { FedHeader, StreamName, syncRecordSubject } from '@fedplane/messaging';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { applyVersions } from '../../services/sync-gateway/src/adapters/pg-replica.js';
import { canonicalJson } from '../../services/sync-gateway/src/core/canonical-json.js';
import { decideReceive } from '../../services/sync-gateway/src/core/receive-decision.js';
import {
  toVersion,
  type RecordVersion,
} from '../../services/sync-gateway/src/core/record-version.js';
import { memory, type SyncWorld } from '../../test/integration/sync-fixtures.js';
import { cpuSnapshot, pidsMatching, type CpuRoles } from '../processes.js';
import { round } from '../report.js';

/**
 * The floor of `sync-quorum` (issue 6's target, measured in the same run): the work sync.md
 * makes every accepted write at N gateways cost, done raw — no validation, no conflict logic, no
 * quorum acks, no bookkeeping — with its CPU per write read per process:
 *
 * - crypto: one Ed25519 signature (the origin) and N − 1 verifies (every other gateway), with
 *   the backend the services use;
 * - nats: one awaited JetStream publish of the record bytes with the signed-record headers
 *   (`Nats-Msg-Id`, `Fed-Signature`, a real `Fed-Credential`, `Fed-Ack-Inbox`), `concurrency`
 *   in flight, and N durable explicit-ack pull consumers (one per gateway: each consumes the
 *   whole stream) each receiving and acking it;
 * - postgres: the gateways' own upsert (`applyVersions`) of the record into N replicas, in
 *   statements of `rowsPerStatement` rows, three in flight per replica.
 *
 * 2 cores ÷ the sum is the most writes/s this machine could accept if the gateways did nothing
 * else. The parts run one after the other, so each part's figure is its own.
 */

/** Options of {@link measureSyncFloor}. */
export type FloorOptions = {
  readonly gateways: number;
  readonly writes: number;
  readonly concurrency: number;
  readonly rowsPerStatement: number;
};

/** CPU µs per write by part and by process. */
export type SyncFloor = {
  readonly crypto: Record<string, number>;
  readonly nats: Record<string, number>;
  readonly postgres: Record<string, number>;
  readonly totalUs: number;
};

function perWrite(
  before: Record<string, number>,
  after: Record<string, number>,
  writes: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const role of Object.keys(after)) {
    out[role === 'client' ? 'bench' : role] = round(
      (((after[role] ?? 0) - (before[role] ?? 0)) * 1000) / writes,
    );
  }
  return out;
}

const sum = (parts: Record<string, number>): number =>
  Object.values(parts).reduce((a, b) => a + b, 0);

/** The version a receiving gateway makes of `bytes` (its own decision, signature taken as good). */
function versionOf(bytes: Uint8Array, origin: string): RecordVersion {
  const decision = decideReceive({
    self: `${origin}-receiver`,
    origin,
    body: bytes,
    signature: { kind: 'verified', signer: origin },
    requireSig: true,
    originMayWrite: () => true,
  });
  const version =
    decision.kind === 'apply' ? toVersion(decision.validated, origin, decision.bytes) : undefined;
  if (version === undefined) throw new Error('floor record does not apply');
  return version;
}

async function natsFloor(world: SyncWorld, options: FloorOptions, bodies: Uint8Array[]) {
  const origin = `floor-${randomBytes(4).toString('hex')}`;
  const seed = new Uint8Array(randomBytes(32));
  const credential = world.issuer.issue(origin, publicKeyFromSeed(seed)).header;
  const names = Array.from({ length: options.gateways }, (_, i) => `${origin}-${String(i)}`);
  for (const name of names) {
    await world.bus.jsm.consumers.add(StreamName.sync, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      filter_subject: syncRecordSubject(origin),
    });
  }
  // Signed before the clock starts: signatures are the crypto part's.
  const signatures = bodies.map(
    (body) => `ed25519=${Buffer.from(signEd25519(seed, body)).toString('base64')}`,
  );
  const roles: CpuRoles = {
    nats: pidsMatching(['nats-server', `-p ${new URL(world.nats.url).port}`]),
  };
  const before = cpuSnapshot(roles);
  const consumed = names.map(async (name) => {
    const consumer = await world.bus.js.consumers.get(StreamName.sync, name);
    const messages = await consumer.consume({ max_messages: 500 });
    let received = 0;
    for await (const msg of messages) {
      msg.ack();
      received += 1;
      if (received >= bodies.length) break;
    }
  });
  let next = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < bodies.length) {
        const i = next;
        next += 1;
        const body = bodies[i] ?? new Uint8Array();
        const msgId = `${origin}:${String(i)}`;
        const h = headers();
        h.set(FedHeader.MsgId, msgId);
        h.set(FedHeader.Signature, signatures[i] ?? '');
        h.set(FedHeader.Credential, credential);
        h.set(FedHeader.AckInbox, `_INBOX_FEDSYNC.${origin}`);
        await world.bus.js.publish(syncRecordSubject(origin), body, { msgID: msgId, headers: h });
      }
    }),
  );
  await Promise.all(consumed);
  const after = cpuSnapshot(roles);
  for (const name of names) await world.bus.jsm.consumers.delete(StreamName.sync, name);
  // Gateways started later consume the stream from its start: leave them nothing of this.
  await world.bus.jsm.streams.purge(StreamName.sync, { filter: syncRecordSubject(origin) });
  return perWrite(before, after, bodies.length);
}

async function postgresFloor(world: SyncWorld, options: FloorOptions, bodies: Uint8Array[]) {
  const origin = `floor-${randomBytes(4).toString('hex')}`;
  const versions = bodies.map((bytes) => versionOf(bytes, origin));
  const jobs: (() => Promise<unknown>)[] = [];
  for (let g = 0; g < options.gateways; g += 1) {
    for (let i = 0; i < versions.length; i += options.rowsPerStatement) {
      const rows = versions.slice(i, i + options.rowsPerStatement);
      jobs.push(() => applyVersions(world.pool, `${origin}-${String(g)}`, rows));
    }
  }
  const backends = (): number[] =>
    pidsMatching(['postgres:', new URL(world.db.url).pathname.slice(1)]);
  const before = cpuSnapshot({ postgres: backends() });
  let next = 0;
  await Promise.all(
    Array.from({ length: options.gateways * 3 }, async () => {
      while (next < jobs.length) {
        const job = jobs[next];
        next += 1;
        await job?.();
      }
    }),
  );
  await world.pool.query('DELETE FROM sync_records WHERE origin = $1', [origin]);
  return perWrite(before, cpuSnapshot({ postgres: backends() }), bodies.length);
}

/** Measures the floor (the gateways' schema must exist: start a gateway first). */
export async function measureSyncFloor(
  world: SyncWorld,
  options: FloorOptions,
): Promise<SyncFloor> {
  const at = new Date().toISOString();
  const bodies = Array.from({ length: options.writes }, (_, i) =>
    utf8(canonicalJson(memory(`floor-w-${String(i)}`, at))),
  );
  const seed = new Uint8Array(randomBytes(32));
  const publicKey = publicKeyFromSeed(seed);
  const before = process.cpuUsage();
  for (const body of bodies) {
    const signature = signEd25519(seed, body);
    for (let v = 1; v < options.gateways; v += 1) verifyEd25519(publicKey, body, signature);
  }
  const used = process.cpuUsage(before);
  const crypto = { bench: round((used.user + used.system) / bodies.length) };
  const nats = await natsFloor(world, options, bodies);
  const postgres = await postgresFloor(world, options, bodies);
  return { crypto, nats, postgres, totalUs: round(sum(crypto) + sum(nats) + sum(postgres)) };
}
