import type { VerifierBundle } from '@fedplane/core';
import {
  newEventStamp,
  publishEvent,
  type CredentialSigner,
  type Log,
  type PostureWatch,
} from '@fedplane/messaging';
import type { Clock } from '@fedplane/runtime';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { InventorySource } from './inventory-source.js';
import type { Journal } from './journal.js';
import type { ReconcilerSettings } from './settings.js';
import type { StatusReader } from './status-reader.js';

/** What every part of a running reconciler shares. */
export type ReconcilerContext = {
  readonly bus: {
    readonly nc: NatsConnection;
    readonly js: JetStreamClient;
    readonly jsm: JetStreamManager;
    readonly kvm: Kvm;
  };
  /** This instance's identity (`svc/reconciler/<instance>`): lease holder, event and posture signer. */
  readonly signer: CredentialSigner;
  readonly trust: { current(): VerifierBundle | undefined };
  readonly settings: ReconcilerSettings;
  readonly clock: Clock;
  readonly log: Log;
  readonly postureKv: KV;
  readonly posture: PostureWatch;
  readonly inventory: InventorySource;
  readonly journal: Journal;
  readonly statuses: StatusReader;
};

/** One event to publish. */
export type ReconcilerEvent = {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly subject?: string | undefined;
  readonly cause?: string | undefined;
  /** Id and time to use (default: a new stamp), when the id must be known beforehand. */
  readonly stamp?: { readonly id: string; readonly at: string };
};

/**
 * Publishes a signed event as this instance. A failure is logged and swallowed: the pass goes on
 * (the journal, not the event, is what prevents a repeat).
 */
export async function emit(ctx: ReconcilerContext, event: ReconcilerEvent): Promise<void> {
  try {
    await publishEvent(ctx.bus.js, ctx.signer, {
      ...(event.stamp ?? newEventStamp(ctx.clock.nowMs())),
      type: event.type,
      actor: ctx.signer.agentId,
      ...(event.subject === undefined ? {} : { subject: event.subject }),
      ...(event.cause === undefined ? {} : { cause: event.cause }),
      data: event.data,
    });
  } catch (err) {
    ctx.log.error({ err, type: event.type }, 'event publish failed');
  }
}
