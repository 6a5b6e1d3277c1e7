/** Shared fixtures of the reconciler suites: NATS + test issuer, signed node statuses, peers. */
import {
  PlanReplySchema,
  fromUtf8,
  parseJsonText,
  publicKeyFromSeed,
  sha256Hex,
  utf8,
  type NodeStatus,
  type PlanReply,
  type Posture,
} from '@fedplane/core';
import {
  BucketName,
  FixedSubject,
  KvKey,
  StreamName,
  connectBus,
  ensureKv,
  ensureStreams,
  fedBuckets,
  fedStreams,
  newEventStamp,
  nodeStatusSubject,
  publishSigned,
  seedCredentialSigner,
  watchPosture,
  watchTrustBundle,
  writePosture,
  request,
  type Bus,
  type CredentialSigner,
  type Log,
  type TrustWatch,
} from '@fedplane/messaging';
import { systemClock } from '@fedplane/runtime';
import {
  startNatsServer,
  startTestIssuer,
  type NatsServerHandle,
  type TestIssuer,
} from '@fedplane/testkit';
import {
  startReconciler,
  type Reconciler,
} from '../../services/reconciler/src/shell/start-reconciler.js';
import type { ReconcilerSettings } from '../../services/reconciler/src/shell/settings.js';

export const SILENT: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

/** The key every simulated node signs with. */
export const NODE_SEED = new Uint8Array(32).fill(9);
const OTHER_SEED = new Uint8Array(32).fill(10);

/** One suite's world. */
export type ReconcilerWorld = {
  readonly nats: NatsServerHandle;
  readonly bus: Bus;
  readonly issuer: TestIssuer;
  readonly trust: TrustWatch;
  /** Every event seen on `fed.evt.>`, parsed. */
  readonly events: SeenEvent[];
  stop(): Promise<void>;
};

/** A parsed event as seen on the bus. */
export type SeenEvent = {
  readonly subject: string;
  readonly raw: string;
  readonly type: string;
  readonly actor: string;
  readonly subjectId?: string;
  readonly data: Record<string, unknown>;
};

/** Starts NATS, the declarations, a test issuer (bundle in `fed-trust`) and an event recorder. */
export async function startWorld(): Promise<ReconcilerWorld> {
  const nats = await startNatsServer({ useNatsUrl: false });
  const bus = await connectBus({ servers: nats.url, name: 'reconciler-test', log: SILENT });
  await ensureStreams(bus.jsm, fedStreams());
  await ensureKv(bus.jsm, fedBuckets());
  const issuer = await startTestIssuer({ nc: bus.nc });
  const trust = watchTrustBundle(await bus.kvm.open(BucketName.trust), { log: SILENT });
  await trust.ready;
  const events: SeenEvent[] = [];
  const sub = bus.nc.subscribe('fed.evt.>', {
    callback: (_err, msg) => {
      const text = fromUtf8(msg.data) ?? '';
      const json = parseJsonText(text);
      if (!json.ok || typeof json.value !== 'object' || json.value === null) return;
      const v = json.value as Record<string, unknown>;
      events.push({
        subject: msg.subject,
        raw: text,
        type: String(v['type']),
        actor: String(v['actor']),
        ...(typeof v['subject'] === 'string' ? { subjectId: v['subject'] } : {}),
        data: (v['data'] ?? {}) as Record<string, unknown>,
      });
    },
  });
  return {
    nats,
    bus,
    issuer,
    trust,
    events,
    stop: async () => {
      sub.unsubscribe();
      await trust.stop();
      await issuer.stop();
      await bus.close();
      await nats.stop();
    },
  };
}

/** A credential signer for `agentId` minted by the world's issuer. */
export function signerFor(
  world: ReconcilerWorld,
  agentId: string,
  options: { readonly ttlS?: number; readonly seed?: Uint8Array } = {},
): CredentialSigner {
  const seed = options.seed ?? NODE_SEED;
  const issued = world.issuer.issue(agentId, publicKeyFromSeed(seed), {
    ttlS: options.ttlS ?? 3600,
  });
  return seedCredentialSigner({ agentId, seed, credential: () => issued.header });
}

/** How a simulated node publishes its status. */
export type StatusOptions = {
  /** Credential lifetime (default 3600 s; below `RECONCILER_MIN_REMAINING` = cannot sign). */
  readonly ttlS?: number;
  /** Sign with a key that is not the credential's (a forged status). */
  readonly forged?: boolean;
  /** The node's own `can_sign` claim (default true). */
  readonly canSign?: boolean;
  /** The body's `at`, Unix ms (default: absent); an old one makes the node not present. */
  readonly atMs?: number;
};

/** Publishes one signed status for `nodeId` to `fed.status.node.<node>`. */
export async function publishStatus(
  world: ReconcilerWorld,
  nodeId: string,
  options: StatusOptions = {},
): Promise<void> {
  const ttlS = options.ttlS ?? 3600;
  const issued = world.issuer.issue(nodeId, publicKeyFromSeed(NODE_SEED), { ttlS });
  const signer = seedCredentialSigner({
    agentId: nodeId,
    seed: options.forged === true ? OTHER_SEED : NODE_SEED,
    credential: () => issued.header,
  });
  const status: NodeStatus = {
    node_id: nodeId,
    credential_id: sha256Hex(utf8(issued.header)),
    issuer_id: world.issuer.issuerId,
    not_before: issued.claims.not_before,
    not_after: issued.claims.not_after,
    can_sign: options.canSign ?? true,
    agent_version: 'test',
    last_renewal_at: null,
    ...(options.atMs === undefined ? {} : { at: new Date(options.atMs).toISOString() }),
  };
  await publishSigned(world.bus.js, {
    subject: nodeStatusSubject(nodeId),
    body: utf8(JSON.stringify(status)),
    signer,
    msgId: newEventStamp().id,
  });
}

/** Removes every status from `FED_STATUS`. */
export async function purgeStatuses(world: ReconcilerWorld, nodeId?: string): Promise<void> {
  await world.bus.jsm.streams.purge(
    StreamName.status,
    nodeId === undefined ? undefined : { filter: nodeStatusSubject(nodeId) },
  );
}

/** Inventory YAML: every node in region `nyc`, optional enforcement. */
export function inventoryYaml(
  nodes: readonly string[],
  requireSig: boolean | null,
  options: { readonly credTtl?: string } = {},
): string {
  const lines = ['trust_domain: fleet.test'];
  if (nodes.length === 0) lines.push('regions: []');
  else {
    lines.push('regions:', '  - name: nyc', '    nodes:');
    for (const id of nodes) {
      lines.push(
        `      - id: ${JSON.stringify(id)}`,
        '        attestor: join-token',
        `        cred_ttl: ${options.credTtl ?? '1h'}`,
        '        renew_before: 15m',
      );
    }
  }
  lines.push('quorum: { width: 1 }');
  if (requireSig !== null) lines.push(`enforcement: { require_sig: ${String(requireSig)} }`);
  return `${lines.join('\n')}\n`;
}

/** Stores `yaml` in `fed-inventory` / `desired` as `fedplane inventory apply` does. */
export async function storeInventory(world: ReconcilerWorld, yaml: string): Promise<void> {
  const kv = await world.bus.kvm.open(BucketName.inventory);
  await kv.put(KvKey.desired, JSON.stringify({ yaml, sha256: sha256Hex(utf8(yaml)) }));
}

/** Asks `fed.reconciler.plan`. */
export function askPlan(world: ReconcilerWorld, yaml?: string): Promise<PlanReply> {
  return request(
    world.bus.nc,
    FixedSubject.reconcilerPlan,
    yaml === undefined ? {} : { inventory_yaml: yaml },
    { schema: PlanReplySchema, timeoutMs: 10_000 },
  );
}

/** The posture and its signer as a fresh reader sees them. */
export async function readPostureView(world: ReconcilerWorld) {
  const watch = watchPosture(await world.bus.kvm.open(BucketName.enforcement), {
    trust: world.trust,
    clock: systemClock,
    log: SILENT,
  });
  await watch.ready;
  const view = watch.current();
  await watch.stop();
  return view;
}

/** The posture as a reader sees it (a fresh watch). */
export async function readPosture(world: ReconcilerWorld): Promise<Posture | undefined> {
  const watch = watchPosture(await world.bus.kvm.open(BucketName.enforcement), {
    trust: world.trust,
    clock: systemClock,
    log: SILENT,
  });
  await watch.ready;
  const posture = watch.current().posture;
  await watch.stop();
  return posture;
}

let postureRevision = 1_000;
/** Writes a reconciler-signed posture (as a previous reconciler would have). */
export async function setPosture(
  world: ReconcilerWorld,
  requireSig: boolean,
  signerTtlS = 3600,
): Promise<void> {
  const kv = await world.bus.kvm.open(BucketName.enforcement);
  const entry = await kv.get(KvKey.posture);
  postureRevision += 1;
  const written = await writePosture(kv, {
    posture: {
      require_sig: requireSig,
      revision: postureRevision,
      decided_at: new Date().toISOString(),
      evidence: [],
    },
    signer: signerFor(world, 'svc/reconciler/fixture', { ttlS: signerTtlS }),
    expectedKvRevision: entry?.revision ?? 0,
  });
  if (!written.ok) throw new Error('posture write conflict');
}

/** Settings for tests: fast passes and short TTLs. */
export function testSettings(over: Partial<ReconcilerSettings> = {}): ReconcilerSettings {
  return {
    intervalMs: 500,
    debounceMs: 50,
    statusTtlMs: 60_000,
    minRemainingS: 120,
    shrinkGuard: 0.3,
    autoDecommission: true,
    inventoryPath: undefined,
    leaseTtlMs: 3_000,
    retryMs: 60_000,
    requestTimeoutMs: 2_000,
    ...over,
  };
}

/** An in-process reconciler as `svc/reconciler/<instance>`. */
export function startInProcess(
  world: ReconcilerWorld,
  instance: string,
  settings: ReconcilerSettings,
  log: Log = SILENT,
): Promise<Reconciler> {
  return startReconciler({
    bus: world.bus,
    signer: signerFor(world, `svc/reconciler/${instance}`),
    trust: world.trust,
    settings,
    clock: systemClock,
    log,
  });
}

/** Polls `check` every 50 ms until it returns a value other than undefined/false, or throws. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Holds the `reconciler` lease for a test-only holder, so started reconcilers stay standby. */
export async function holdLease(world: ReconcilerWorld): Promise<void> {
  const kv = await world.bus.kvm.open(BucketName.leases);
  await kv.put(
    'reconciler',
    JSON.stringify({
      holder: 'svc/reconciler/lease-squatter',
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    }),
  );
}

/** Sets (or clears) the recorded previous pass of the journal bucket. */
export async function setPreviousPass(
  world: ReconcilerWorld,
  presentCount: number | undefined,
): Promise<void> {
  const kv = await world.bus.kvm.open('fed-reconciler');
  if (presentCount === undefined) await kv.delete('pass');
  else await kv.put('pass', JSON.stringify({ present_count: presentCount, at_ms: Date.now() }));
}
