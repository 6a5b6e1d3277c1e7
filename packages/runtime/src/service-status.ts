import { randomUUID } from 'node:crypto';
import { NodeStatusSchema, utf8, type NodeStatus } from '@fedplane/core';
import { publishSigned, serviceStatusSubject, type Log, type Signer } from '@fedplane/messaging';
import type { JetStreamClient } from '@nats-io/jetstream';
import { sleep } from './clock.js';

/**
 * Signed service-instance status (bus.md, stream `FED_STATUS`): the latest status of
 * `svc/<service>/<instance>` on `fed.status.svc.<service>.<instance>`, with the event headers
 * (`Fed-Signature` + `Fed-Credential`, or `Fed-Issuer` for the issuer's own key), published every
 * `intervalMs` and at once on `changed()`. The body is core's `NodeStatusSchema` (a node or a
 * service instance), validated before it is signed. Every service adopts it the same way:
 * give it the body of the moment and the signer of the moment.
 */

/** Default status period (identity.md: every 15 s and on change). */
export const SERVICE_STATUS_INTERVAL_MS = 15_000;

/** Options of {@link createServiceStatus}. */
export type ServiceStatusOptions = {
  readonly js: JetStreamClient;
  /** Service name (`issuer`, `auditor`, …). */
  readonly service: string;
  /** Instance id (`INSTANCE_ID`). */
  readonly instance: string;
  /** The status now, or `undefined` while there is nothing to report (no credential yet). */
  readonly body: () => NodeStatus | undefined;
  /** The signer now, or `undefined` while there is none. */
  readonly signer: () => Signer | undefined;
  readonly log: Log;
  /** Period (default {@link SERVICE_STATUS_INTERVAL_MS}). */
  readonly intervalMs?: number;
};

/** A status publisher. */
export type ServiceStatus = {
  /** The subject it publishes on. */
  readonly subject: string;
  /** Publishes once now; false when there was nothing to publish or the publish failed. */
  publishNow(): Promise<boolean>;
  /** Asks for a publish as soon as possible (a change worth reporting). */
  changed(): void;
  /** Publishes every period and on change until `signal` aborts. Never rejects. */
  run(signal: AbortSignal): Promise<void>;
  /** Statuses published since start. */
  published(): number;
};

/** Creates the publisher (throws `AppError(BAD_REQUEST)` when the instance is not a valid id). */
export function createServiceStatus(options: ServiceStatusOptions): ServiceStatus {
  const subject = serviceStatusSubject(options.service, options.instance);
  const intervalMs = options.intervalMs ?? SERVICE_STATUS_INTERVAL_MS;
  let count = 0;
  let wake: AbortController | undefined;
  let dirty = false;

  const publishNow = async (): Promise<boolean> => {
    const body = options.body();
    const signer = options.signer();
    if (body === undefined || signer === undefined) return false;
    const parsed = NodeStatusSchema.safeParse(body);
    if (!parsed.success) {
      options.log.error({ subject, issues: parsed.error.issues.length }, 'status body invalid');
      return false;
    }
    try {
      await publishSigned(options.js, {
        subject,
        body: utf8(JSON.stringify(parsed.data)),
        signer,
        msgId: randomUUID(),
      });
      count += 1;
      return true;
    } catch (err) {
      options.log.warn({ err, subject }, 'status publish failed');
      return false;
    }
  };

  return {
    subject,
    publishNow,
    changed: () => {
      dirty = true;
      wake?.abort();
    },
    published: () => count,
    run: async (signal) => {
      while (!signal.aborted) {
        dirty = false;
        await publishNow();
        if (dirty) continue;
        wake = new AbortController();
        const both = AbortSignal.any([signal, wake.signal]);
        await sleep(intervalMs, both);
        wake = undefined;
      }
    },
  };
}
