import {
  InventoryKvValueSchema,
  fromUtf8,
  parseInventory,
  parseJsonText,
  type Inventory,
} from '@fedplane/core';
import { KvKey, type Log } from '@fedplane/messaging';
import type { KvEntry, RoKV } from '@nats-io/kv';

/**
 * The live inventory (`fed-inventory` / `desired`, bus.md) as the gateway needs it: the quorum
 * width `W` and the node ids (default snapshot peers). A value that does not parse is ignored
 * and the previous inventory stays.
 */

/** A running inventory watch. */
export type InventoryWatch = {
  current(): Inventory | undefined;
  stop(): void;
};

function decode(entry: KvEntry): Inventory | undefined {
  if (entry.operation !== 'PUT') return undefined;
  const text = fromUtf8(entry.value);
  const json = text === undefined ? undefined : parseJsonText(text);
  if (json?.ok !== true) return undefined;
  const value = InventoryKvValueSchema.safeParse(json.value);
  if (!value.success) return undefined;
  const inventory = parseInventory(value.data.yaml);
  return inventory.ok ? inventory.value : undefined;
}

/** Watches `kv` (the `fed-inventory` bucket). */
export function watchInventory(kv: RoKV, log: Log): InventoryWatch {
  let current: Inventory | undefined;
  let stopped = false;
  let stopIterator: (() => void) | undefined;
  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        const it = await kv.watch({ key: KvKey.desired });
        stopIterator = () => it.stop();
        for await (const entry of it) {
          const inventory = decode(entry);
          if (inventory === undefined) {
            log.warn({ revision: entry.revision }, 'inventory value ignored');
            continue;
          }
          current = inventory;
          log.info(
            { revision: entry.revision, quorum_width: inventory.quorumWidth },
            'inventory loaded',
          );
        }
      } catch (err) {
        log.warn({ err }, 'inventory watch failed');
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };
  void loop();
  return {
    current: () => current,
    stop: () => {
      stopped = true;
      stopIterator?.();
    },
  };
}
