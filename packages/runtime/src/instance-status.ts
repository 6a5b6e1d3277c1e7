import type { NodeStatus } from '@fedplane/core';
import type { Bus, Log } from '@fedplane/messaging';
import type { Clock } from './clock.js';
import { sleep } from './clock.js';
import type { CredentialHolder } from './credential-holder.js';
import type { HolderStatus } from './held-credential.js';
import type { Readiness, ReadinessReport } from './readiness.js';
import { runTasks } from './run-tasks.js';
import { createServiceStatus } from './service-status.js';

/**
 * The signed status of this instance `svc/<service>/<instance>` on
 * `fed.status.svc.<service>.<instance>` (bus.md `FED_STATUS`, runtime `createServiceStatus`):
 * the held credential (holder `status()`) and the process readiness, published every 15 s and
 * at once when the credential or the readiness changes, signed as the instance itself. Nothing
 * is published while no valid credential is held (nothing could sign it).
 */

/** Longest bytes of `last_error` (core `TEXT_MAX_CHARS` is the schema bound). */
const LAST_ERROR_MAX = 512;
/** How often the credential and readiness are compared for a change. */
const CHANGE_POLL_MS = 1_000;

/** Input of {@link instanceStatusBody}. */
export type InstanceStatusInput = {
  readonly holder: HolderStatus;
  readonly readiness: ReadinessReport;
  readonly version: string;
  readonly nowMs: number;
};

/**
 * The status body of the instance now, or `undefined` while no credential was ever held.
 * `can_sign` is the credential's validity; `last_error` names the failing readiness checks
 * (`name: reason`, `; `-joined), else the holder's last failure while it still fails.
 */
export function instanceStatusBody(input: InstanceStatusInput): NodeStatus | undefined {
  const { holder, readiness } = input;
  if (
    holder.credential_id === undefined ||
    holder.issuer_id === undefined ||
    holder.not_before === undefined ||
    holder.not_after === undefined
  ) {
    return undefined;
  }
  const failing = readiness.failing.map((f) => `${f.name}: ${f.reason}`).join('; ');
  const lastError = failing !== '' ? failing : holder.failures > 0 ? holder.last_error : undefined;
  return {
    node_id: holder.agent_id,
    credential_id: holder.credential_id,
    issuer_id: holder.issuer_id,
    not_before: holder.not_before,
    not_after: holder.not_after,
    can_sign: holder.state === 'valid',
    agent_version: input.version,
    last_renewal_at:
      holder.last_renewal_at === undefined
        ? null
        : new Date(holder.last_renewal_at * 1000).toISOString(),
    ...(lastError === undefined ? {} : { last_error: lastError.slice(0, LAST_ERROR_MAX) }),
    at: new Date(input.nowMs).toISOString(),
  };
}

/** What decides a publish on change: the credential and the readiness, not the clock. */
function fingerprint(body: NodeStatus | undefined): string {
  if (body === undefined) return '';
  return `${body.credential_id}|${String(body.can_sign)}|${body.last_error ?? ''}`;
}

/** Options of {@link startInstanceStatus}. */
export type InstanceStatusOptions = {
  readonly bus: Bus;
  /** Service name (`auditor`, `reconciler`, …). */
  readonly service: string;
  readonly holder: CredentialHolder;
  readonly readiness: Readiness;
  readonly instance: string;
  readonly version: string;
  readonly clock: Clock;
  readonly log: Log;
  /** Period (default 15 s, runtime `SERVICE_STATUS_INTERVAL_MS`). */
  readonly intervalMs?: number;
};

/** A running status publisher. */
export type InstanceStatus = {
  readonly subject: string;
  /** Stops publishing; call before the bus closes. Idempotent. */
  stop(): Promise<void>;
};

/** Starts publishing (see the module comment). */
export function startInstanceStatus(options: InstanceStatusOptions): InstanceStatus {
  const { holder, readiness, clock } = options;
  const body = (): NodeStatus | undefined =>
    instanceStatusBody({
      holder: holder.status(),
      readiness: readiness.evaluate(),
      version: options.version,
      nowMs: clock.nowMs(),
    });
  const status = createServiceStatus({
    js: options.bus.js,
    service: options.service,
    instance: options.instance,
    body,
    signer: () => (holder.status().state === 'valid' ? holder.signer : undefined),
    log: options.log,
    ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
  });
  const watch = async (signal: AbortSignal): Promise<void> => {
    let last = fingerprint(body());
    while (!signal.aborted) {
      await sleep(CHANGE_POLL_MS, signal);
      const now = fingerprint(body());
      if (now !== last) status.changed();
      last = now;
    }
  };
  const controller = new AbortController();
  const loops = runTasks(controller.signal, (s) => status.run(s), watch).catch((err: unknown) =>
    options.log.error({ err }, 'instance status loop failed'),
  );
  let stopping: Promise<void> | undefined;
  return {
    subject: status.subject,
    stop: () => {
      stopping ??= (async () => {
        controller.abort();
        await loops;
      })();
      return stopping;
    },
  };
}
