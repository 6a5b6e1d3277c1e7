/** Tunables of the reconciler (from `config.ts`; tests build them directly). */
export type ReconcilerSettings = {
  /** `RECONCILER_INTERVAL` in ms. */
  readonly intervalMs: number;
  /** `RECONCILER_DEBOUNCE` in ms. */
  readonly debounceMs: number;
  /** `RECONCILER_STATUS_TTL` in ms. */
  readonly statusTtlMs: number;
  /** `RECONCILER_MIN_REMAINING` in seconds. */
  readonly minRemainingS: number;
  /** `RECONCILER_SHRINK_GUARD`, a fraction in [0, 1]. */
  readonly shrinkGuard: number;
  /** `RECONCILER_AUTO_DECOMMISSION`. */
  readonly autoDecommission: boolean;
  /** `RECONCILER_INVENTORY_PATH` (undefined: KV `fed-inventory`). */
  readonly inventoryPath: string | undefined;
  /** `RECONCILER_LEASE_TTL` in ms. */
  readonly leaseTtlMs: number;
  /** `RECONCILER_ACTION_RETRY` in ms. */
  readonly retryMs: number;
  /** `RECONCILER_REQUEST_TIMEOUT` in ms. */
  readonly requestTimeoutMs: number;
};
