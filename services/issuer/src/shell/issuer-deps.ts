import { AppError, type ErrorCode } from '@fedplane/core';
import type { Log } from '@fedplane/messaging';
import type { Clock, GroupCommit } from '@fedplane/runtime';
import type { KeyStore } from '../adapters/key-files.js';
import type { RenewWrite } from '../adapters/pg-renew-cas.js';
import type { Connectable } from '../adapters/pg-transaction.js';
import type { Denial } from '../core/registration.js';
import type { ServiceSecretHashes } from '../core/service-secrets.js';
import type { EventSink } from './event-sink.js';
import type { LineageCache } from './lineage-cache.js';
import type { RefusalGate } from './refusal-gate.js';
import type { TrustKeeper } from './trust-keeper.js';

/** What every issuer use case runs on (house-style §2.3 rule 4: dependencies are arguments). */
export type IssuerDeps = {
  readonly pool: Connectable;
  readonly clock: Clock;
  readonly log: Log;
  readonly keys: KeyStore;
  readonly trust: TrustKeeper;
  readonly events: EventSink;
  readonly serviceSecrets: ServiceSecretHashes;
  readonly policy: IssuerPolicy;
  /** The credentials this process signed, for the renewal fast path. */
  readonly lineage: LineageCache;
  /** The fast path's compare-and-set writes, group-committed (true: written). */
  readonly renewWrites: GroupCommit<RenewWrite, boolean>;
  /** Rate limit of the audit evidence of refusals to unauthenticated callers. */
  readonly refusals: RefusalGate;
};

/** Most renewals written by one fast-path statement. */
export const RENEW_BATCH_MAX = 128;

/** Issuance parameters from the configuration. */
export type IssuerPolicy = {
  readonly trustDomain: string;
  readonly leafTtlS: number;
  readonly joinTokenTtlMs: number;
  readonly intermediateTtlS: number;
};

/** The `AppError` a core {@link Denial} is sent as (`details.reason` = its tag). */
export function denialError(denial: Denial): AppError<ErrorCode> {
  return new AppError(denial.code, denial.message, { details: { reason: denial.reason } });
}

/** Unix seconds of a millisecond time. */
export function toSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
