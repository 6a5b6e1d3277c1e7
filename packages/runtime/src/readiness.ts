/**
 * Readiness (operations.md "Running"): `/readyz` is true only when every registered check passes
 * and the process is not draining. Checks are synchronous reads of state the service keeps
 * current (connection status, credential validity, lease), so probes stay cheap.
 */

/** Outcome of one check. */
export type CheckResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** A named readiness check. It should not throw; a throw counts as failing. */
export type ReadinessCheck = () => CheckResult;

/** A failing check in a {@link ReadinessReport}. */
export type FailingCheck = { readonly name: string; readonly reason: string };

/** The current readiness: `ready` iff not draining and no check fails. */
export type ReadinessReport = {
  readonly ready: boolean;
  readonly draining: boolean;
  readonly failing: readonly FailingCheck[];
};

/** The readiness state of a process. */
export interface Readiness {
  /** Registers (or replaces) the check called `name`. */
  add(name: string, check: ReadinessCheck): void;
  /** Removes a check. */
  remove(name: string): void;
  /** Marks the process as draining: readiness is false from now on. Idempotent. */
  setDraining(): void;
  /** True once {@link Readiness.setDraining} was called. */
  readonly draining: boolean;
  /** Runs every check. */
  evaluate(): ReadinessReport;
}

/** Creates an empty readiness state (ready until a check is added or draining starts). */
export function createReadiness(): Readiness {
  const checks = new Map<string, ReadinessCheck>();
  let draining = false;
  return {
    add: (name, check) => {
      checks.set(name, check);
    },
    remove: (name) => {
      checks.delete(name);
    },
    setDraining: () => {
      draining = true;
    },
    get draining() {
      return draining;
    },
    evaluate: () => {
      const failing: FailingCheck[] = [];
      for (const [name, check] of checks) {
        let result: CheckResult;
        try {
          result = check();
        } catch {
          result = { ok: false, reason: 'check threw' };
        }
        if (!result.ok) failing.push({ name, reason: result.reason });
      }
      return { ready: !draining && failing.length === 0, draining, failing };
    },
  };
}
