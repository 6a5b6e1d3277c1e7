import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  InventoryKvValueSchema,
  fromUtf8,
  parseInventory,
  parseJsonText,
  sha256Hex,
  utf8,
  type Inventory,
} from '@fedplane/core';
import { KvKey, type Log } from '@fedplane/messaging';
import type { KvEntry, RoKV } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/nats-core';

/**
 * The desired inventory: KV `fed-inventory` / `desired` (written by `fedplane inventory apply`),
 * or the watched file `RECONCILER_INVENTORY_PATH` when set. Every new value is validated with core
 * `parseInventory`; an invalid one is refused (logged once, reported to `onRefused`) and the
 * previous valid inventory stays. A KV delete is ignored the same way: an empty inventory would
 * read as "decommission everything".
 */

/** A valid inventory with its source text hash. */
export type LoadedInventory = {
  readonly inventory: Inventory;
  readonly yaml: string;
  readonly sha256: string;
};

/** Why a value was refused. */
export type InventoryRefusal = { readonly source: string; readonly reason: string };

/** Options of {@link watchInventory}. */
export type InventorySourceOptions = {
  /** `fed-inventory` bucket (used when `path` is undefined). */
  readonly kv: RoKV;
  readonly path: string | undefined;
  readonly log: Log;
  readonly onChange: (loaded: LoadedInventory) => void;
  readonly onRefused?: (refusal: InventoryRefusal) => void;
};

/** A running inventory source. */
export type InventorySource = {
  current(): LoadedInventory | undefined;
  /** Resolves after the first read (found or not). */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
};

/** Validates YAML text into a loaded inventory, or the reason it is refused. Never throws. */
export function loadInventoryText(
  yaml: string,
): { ok: true; value: LoadedInventory } | { ok: false; reason: string } {
  const parsed = parseInventory(yaml);
  if (!parsed.ok) return { ok: false, reason: `${parsed.error.tag}: ${parsed.error.message}` };
  return { ok: true, value: { inventory: parsed.value, yaml, sha256: sha256Hex(utf8(yaml)) } };
}

/** Decodes a `fed-inventory` value (`{yaml, sha256}` JSON). */
function decodeKvValue(
  value: Uint8Array,
): { ok: true; yaml: string } | { ok: false; reason: string } {
  const text = fromUtf8(value);
  const json = text === undefined ? undefined : parseJsonText(text);
  if (json?.ok !== true) return { ok: false, reason: 'value is not UTF-8 JSON' };
  const parsed = InventoryKvValueSchema.safeParse(json.value);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues[0]?.message ?? 'invalid' };
  return { ok: true, yaml: parsed.data.yaml };
}

/** Starts the source; returns at once (await `ready` for the first read). */
export function watchInventory(options: InventorySourceOptions): InventorySource {
  const { log } = options;
  let held: LoadedInventory | undefined;
  let stopped = false;
  let iterator: QueuedIterator<KvEntry> | undefined;
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;

  const accept = (source: string, yaml: string): void => {
    const loaded = loadInventoryText(yaml);
    if (!loaded.ok) {
      log.warn({ source, reason: loaded.reason }, 'inventory refused, previous kept');
      options.onRefused?.({ source, reason: loaded.reason });
      return;
    }
    if (held?.sha256 === loaded.value.sha256) return;
    held = loaded.value;
    log.info(
      { source, sha256: held.sha256, nodes: held.inventory.nodes.length },
      'inventory loaded',
    );
    options.onChange(held);
  };

  const fromKv = (entry: KvEntry): void => {
    if (entry.key !== KvKey.desired) return;
    if (entry.operation !== 'PUT') {
      log.warn({ revision: entry.revision }, 'inventory deletion ignored');
      return;
    }
    const decoded = decodeKvValue(entry.value);
    if (!decoded.ok) {
      log.warn(
        { revision: entry.revision, reason: decoded.reason },
        'inventory refused, previous kept',
      );
      options.onRefused?.({ source: 'kv', reason: decoded.reason });
      return;
    }
    accept('kv', decoded.yaml);
  };

  const readFileOnce = async (path: string): Promise<void> => {
    try {
      accept('file', await readFile(path, 'utf8'));
    } catch (err) {
      log.warn({ err, path }, 'inventory file unreadable, previous kept');
      options.onRefused?.({ source: 'file', reason: 'file unreadable' });
    }
  };

  const start = async (): Promise<void> => {
    const path = options.path;
    if (path !== undefined) {
      await readFileOnce(path);
      try {
        watcher = watch(path, () => {
          clearTimeout(debounce);
          debounce = setTimeout(() => void readFileOnce(path), 100);
        });
      } catch (err) {
        log.warn({ err, path }, 'inventory file watch failed');
      }
      return;
    }
    try {
      const entry = await options.kv.get(KvKey.desired);
      if (entry !== null) fromKv(entry);
    } catch (err) {
      log.warn({ err }, 'inventory read failed');
    }
  };

  const watchLoop = async (): Promise<void> => {
    if (options.path !== undefined) return;
    while (!stopped) {
      try {
        const it = await options.kv.watch({ key: KvKey.desired });
        iterator = it;
        if (stopped) it.stop();
        for await (const entry of it) fromKv(entry);
      } catch (err) {
        log.warn({ err }, 'inventory watch failed');
      }
      if (stopped) return;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };

  const ready = start();
  const loop = watchLoop();
  return {
    current: () => held,
    ready,
    stop: async () => {
      stopped = true;
      iterator?.stop();
      watcher?.close();
      clearTimeout(debounce);
      await Promise.all([ready, loop]);
    },
  };
}
