import type { CredentialSigner, Log } from '@fedplane/messaging';
import type { Clock } from '@fedplane/runtime';
import type { Connectable } from '../adapters/pg-transaction.js';
import type { ConfiguredRule } from '../core/rules.js';
import type { EventSink } from './event-sink.js';

/**
 * What the approvals use cases share: Postgres, the clock, the log, the event sink, this
 * instance's identity, the settings and an id source.
 */

/** Tunables and policy (from `config.ts`). */
export type ApprovalsSettings = {
  /** `APPROVALS_DEFAULT_TIMEOUT` in seconds. */
  readonly defaultTimeoutS: number;
  /** `APPROVALS_SESSION_TTL` in ms. */
  readonly sessionTtlMs: number;
  /** `APPROVALS_RULES`. */
  readonly configuredRules: readonly ConfiguredRule[];
};

/** Dependencies of the use cases. */
export type ApprovalsDeps = {
  readonly pool: Connectable;
  readonly clock: Clock;
  readonly log: Log;
  readonly events: EventSink;
  /** This instance (`svc/approvals/<instance>`): the decider of rule decisions, every event's actor. */
  readonly signer: CredentialSigner;
  readonly settings: ApprovalsSettings;
  /** A fresh object id (UUIDv7) for `nowMs`. */
  readonly newId: (nowMs: number) => string;
};
