import { fromUtf8, parseJsonText } from '@fedplane/core';
import { RECONCILER_BUCKET, type Log } from '@fedplane/messaging';
import type { KV, KvEntry, Kvm } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/nats-core';
import { journalKey, type JournalEntry, type NodeActionKind } from '../core/action-gate.js';

/**
 * The action journal and the pass record, in the KV bucket `fed-reconciler` (this service's own
 * bucket, history 1): `<kind>.<sha256(node)>` → {@link JournalEntry}, and `pass` → the present
 * count of the last applied pass (the shrink guard's "previous pass", kept across a takeover).
 * Every instance mirrors the bucket through a watch, so a standby that becomes leader already
 * knows what its predecessor did or had in flight.
 */

/** Key of the pass record. */
export const PASS_KEY = 'pass';

/** The pass record. */
export type PassRecord = { readonly present_count: number; readonly at_ms: number };

/** A mirrored journal. */
export type Journal = {
  entries(): ReadonlyMap<string, JournalEntry>;
  lastPass(): PassRecord | undefined;
  /** Writes (or replaces) the entry of `entry.kind`/`entry.id`. */
  put(entry: JournalEntry): Promise<void>;
  remove(key: string): Promise<void>;
  recordPass(pass: PassRecord): Promise<void>;
  readonly ready: Promise<void>;
  stop(): Promise<void>;
};

const NODE_KINDS: ReadonlySet<string> = new Set<NodeActionKind>([
  'enroll_node',
  'issue_credential',
  'decommission_node',
]);

function decode(value: Uint8Array): unknown {
  const text = fromUtf8(value);
  const json = text === undefined ? undefined : parseJsonText(text);
  return json?.ok === true ? json.value : undefined;
}

function isEntry(value: unknown): value is JournalEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['kind'] === 'string' &&
    NODE_KINDS.has(v['kind']) &&
    typeof v['id'] === 'string' &&
    typeof v['state'] === 'string' &&
    typeof v['at_ms'] === 'number' &&
    typeof v['holder'] === 'string'
  );
}

function isPass(value: unknown): value is PassRecord {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['present_count'] === 'number' && typeof v['at_ms'] === 'number';
}

/** How long one attempt to load the journal may take before it is started again. */
const JOURNAL_LOAD_TIMEOUT_MS = 5_000;

/**
 * Opens (creating if needed) the bucket, at `replicas` (`NATS_STREAM_REPLICAS`, default 1), and
 * starts mirroring it.
 */
export async function openJournal(kvm: Kvm, log: Log, replicas = 1): Promise<Journal> {
  const kv: KV = await kvm.create(RECONCILER_BUCKET, {
    history: 1,
    replicas,
    description: 'reconciler action journal and last pass',
  });
  const entries = new Map<string, JournalEntry>();
  let pass: PassRecord | undefined;
  let stopped = false;
  let iterator: QueuedIterator<KvEntry> | undefined;
  const apply = (entry: KvEntry): void => {
    if (entry.key === PASS_KEY) {
      const value = entry.operation === 'PUT' ? decode(entry.value) : undefined;
      pass = isPass(value) ? value : undefined;
      return;
    }
    if (entry.operation !== 'PUT') {
      entries.delete(entry.key);
      return;
    }
    const value = decode(entry.value);
    if (isEntry(value)) entries.set(entry.key, value);
    else log.warn({ key: entry.key }, 'journal entry malformed, ignored');
  };

  // Initial load, then the watch (which re-delivers the last values, in order; apply is idempotent).
  // `kv.keys()` has no deadline of its own and was seen to hang after a SIGKILL restart on a
  // cluster; a load that does not finish in time is abandoned and started again (a late result of
  // the abandoned one only re-applies latest values), so a leader never acts on half a journal.
  const load = async (): Promise<void> => {
    const keys = await kv.keys();
    for await (const key of keys) {
      const entry = await kv.get(key);
      if (entry !== null) apply(entry);
    }
  };
  for (let attempt = 1; ; attempt += 1) {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), JOURNAL_LOAD_TIMEOUT_MS);
    });
    const loaded = await Promise.race([load().then(() => true as const), timedOut]);
    clearTimeout(timer);
    if (loaded) break;
    log.warn({ attempt, timeout_ms: JOURNAL_LOAD_TIMEOUT_MS }, 'journal load timed out, retrying');
  }
  const loop = (async () => {
    while (!stopped) {
      try {
        const it = await kv.watch({ key: '>' });
        iterator = it;
        if (stopped) it.stop();
        for await (const entry of it) apply(entry);
      } catch (err) {
        log.warn({ err }, 'journal watch failed');
      }
      if (stopped) return;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  })();

  return {
    entries: () => entries,
    lastPass: () => pass,
    put: async (entry) => {
      const key = journalKey(entry.kind, entry.id);
      entries.set(key, entry);
      await kv.put(key, JSON.stringify(entry));
    },
    remove: async (key) => {
      entries.delete(key);
      await kv.delete(key);
    },
    recordPass: async (record) => {
      pass = record;
      await kv.put(PASS_KEY, JSON.stringify(record));
    },
    ready: Promise.resolve(),
    stop: async () => {
      stopped = true;
      iterator?.stop();
      await loop;
    },
  };
}
