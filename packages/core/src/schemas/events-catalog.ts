import type { z } from 'zod';
import {
  parseSchema,
  toSchemaIssues,
  type SchemaIssue,
  type SchemaParse,
  type ServiceName,
} from './primitives.js';
import { parseEvent, type EventEnvelope, type EventParseError } from './event.js';
import {
  CredentialDeniedDataSchema,
  CredentialExpiredDataSchema,
  CredentialExpiringDataSchema,
  CredentialIssuedDataSchema,
  CredentialRenewalFailedDataSchema,
  CredentialRenewedDataSchema,
  CredentialReuseDetectedDataSchema,
  IssuerKeyRotatedDataSchema,
  NodeEnrolledDataSchema,
  NodeRevokedDataSchema,
} from './events-identity.js';
import {
  AuditRejectedEventDataSchema,
  EnforcementChangedDataSchema,
  ReconcileActionAppliedDataSchema,
  ReconcileActionFailedDataSchema,
  ReconcileGuardedDataSchema,
  ReconcilePlannedDataSchema,
  SyncDlqAddedDataSchema,
  SyncDlqReplayedDataSchema,
  SyncQuorumMissedDataSchema,
  SyncSnapshotCompletedDataSchema,
} from './events-fleet.js';
import {
  ApprovalDecidedDataSchema,
  ApprovalExpiredDataSchema,
  ApprovalRequestedDataSchema,
  ApprovalRuleDeletedDataSchema,
  ApprovalRuleRecordedDataSchema,
} from './events-approvals.js';

/**
 * The event catalog: every event type the design names, with its `data` schema, the service that
 * emits it, a one-line description and what the envelope's `subject` names. docs/events.md is
 * generated from this record.
 */

/** What an event's `subject` (and subject token) names. */
export const SUBJECT_KINDS = {
  /** a node or service identity (agent id) */
  node: 'node',
  /** the pending action id */
  pending_id: 'pending_id',
  /** the object the requested action is about (e.g. the node to decommission), else the pending id */
  action_target: 'action_target',
  /** the remembered rule id */
  rule_id: 'rule_id',
  /** the issuer id of the rotated key */
  issuer_key: 'issuer_key',
  /** the id of the rejected event */
  event_id: 'event_id',
  /** no subject */
  none: 'none',
} as const;
/** A subject kind. */
export type SubjectKind = (typeof SUBJECT_KINDS)[keyof typeof SUBJECT_KINDS];

/** One catalog entry. */
export type EventSpec = {
  readonly data: z.ZodType<Record<string, unknown>>;
  readonly emitter: ServiceName;
  readonly description: string;
  readonly subjectKind: SubjectKind;
};

const spec = <S extends z.ZodType<Record<string, unknown>>>(
  data: S,
  emitter: ServiceName,
  subjectKind: SubjectKind,
  description: string,
) => ({ data, emitter, subjectKind, description }) as const;

/** Every event type, `"<area>.<name>"` → its spec. */
export const EVENT_TYPES = {
  'credential.issued': spec(
    CredentialIssuedDataSchema,
    'issuer',
    'node',
    'the issuer signed a credential (every credential that exists is one of these)',
  ),
  'credential.renewed': spec(
    CredentialRenewedDataSchema,
    'renewal-agent',
    'node',
    'the node swapped in a renewed credential',
  ),
  'credential.denied': spec(
    CredentialDeniedDataSchema,
    'issuer',
    'node',
    'the issuer refused an attest, renew or intermediate request',
  ),
  'credential.reuse_detected': spec(
    CredentialReuseDetectedDataSchema,
    'issuer',
    'node',
    'a superseded credential was presented for renewal; the node is locked to revoked',
  ),
  'node.enrolled': spec(
    NodeEnrolledDataSchema,
    'issuer',
    'node',
    'a node was registered or re-enabled and a join token minted',
  ),
  'node.revoked': spec(
    NodeRevokedDataSchema,
    'issuer',
    'node',
    'a node was revoked; its credential dies at its not_after',
  ),
  'issuer.key_rotated': spec(
    IssuerKeyRotatedDataSchema,
    'issuer',
    'issuer_key',
    'one publish-before-use step of issuer key rotation',
  ),
  'credential.renewal_failed': spec(
    CredentialRenewalFailedDataSchema,
    'renewal-agent',
    'node',
    'a renewal attempt failed; the held credential stays',
  ),
  'credential.expiring': spec(
    CredentialExpiringDataSchema,
    'renewal-agent',
    'node',
    'the held credential entered the renewal lead window',
  ),
  'credential.expired': spec(
    CredentialExpiredDataSchema,
    'renewal-agent',
    'node',
    'the held credential expired; the node can no longer sign',
  ),
  'reconcile.planned': spec(
    ReconcilePlannedDataSchema,
    'reconciler',
    'none',
    'a pass produced a non-empty or changed plan',
  ),
  'reconcile.action_applied': spec(
    ReconcileActionAppliedDataSchema,
    'reconciler',
    'node',
    'a plan action was carried out or sent for approval (subject: the node, if any)',
  ),
  'reconcile.action_failed': spec(
    ReconcileActionFailedDataSchema,
    'reconciler',
    'node',
    'a plan action failed and will be retried (subject: the node, if any)',
  ),
  'reconcile.guarded': spec(
    ReconcileGuardedDataSchema,
    'reconciler',
    'none',
    'a guard held in a pass and withheld the listed actions',
  ),
  'enforcement.changed': spec(
    EnforcementChangedDataSchema,
    'reconciler',
    'none',
    'the signed posture in fed-enforcement changed',
  ),
  'sync.quorum_missed': spec(
    SyncQuorumMissedDataSchema,
    'sync-gateway',
    'node',
    'a write committed locally without reaching quorum in time',
  ),
  'sync.dlq_added': spec(
    SyncDlqAddedDataSchema,
    'sync-gateway',
    'node',
    'a record that can never apply was dead-lettered',
  ),
  'sync.dlq_replayed': spec(
    SyncDlqReplayedDataSchema,
    'sync-gateway',
    'node',
    'an approved DLQ replay finished',
  ),
  'sync.snapshot_completed': spec(
    SyncSnapshotCompletedDataSchema,
    'sync-gateway',
    'node',
    "a gateway finished copying a peer's replica",
  ),
  'approval.requested': spec(
    ApprovalRequestedDataSchema,
    'approvals',
    'action_target',
    'an action was put behind approval',
  ),
  'approval.decided': spec(
    ApprovalDecidedDataSchema,
    'approvals',
    'pending_id',
    'a pending action was approved or denied',
  ),
  'approval.expired': spec(
    ApprovalExpiredDataSchema,
    'approvals',
    'pending_id',
    'a pending action expired undecided',
  ),
  'approval.rule_recorded': spec(
    ApprovalRuleRecordedDataSchema,
    'approvals',
    'rule_id',
    'a session or forever decision was remembered',
  ),
  'approval.rule_deleted': spec(
    ApprovalRuleDeletedDataSchema,
    'approvals',
    'rule_id',
    'a remembered rule was deleted or expired',
  ),
  'audit.rejected_event': spec(
    AuditRejectedEventDataSchema,
    'auditor',
    'event_id',
    'an event was recorded unsigned or with an invalid signature',
  ),
} as const satisfies Record<string, EventSpec>;

/** A catalogued event type. */
export type EventType = keyof typeof EVENT_TYPES;
/** The `data` of event type `T`. */
export type EventDataOf<T extends EventType> = z.output<(typeof EVENT_TYPES)[T]['data']>;

/** True when `type` is a catalogued event type. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_TYPES, type);
}

/** Why event data was refused. */
export type EventDataError =
  | { readonly tag: 'unknown_type'; readonly type: string }
  | {
      readonly tag: 'invalid_data';
      readonly type: EventType;
      readonly issues: readonly SchemaIssue[];
    };

/** Result of {@link parseEventData}. */
export type EventDataParse =
  | { readonly ok: true; readonly type: EventType; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly error: EventDataError };

/**
 * Validates `data` against the catalog schema of `type`. Input: any type string and any value.
 * Output: the parsed data, `unknown_type` for an uncatalogued type, or `invalid_data` with the
 * issues. Never throws.
 */
export function parseEventData(type: string, data: unknown): EventDataParse {
  if (!isEventType(type)) return { ok: false, error: { tag: 'unknown_type', type } };
  const schema: z.ZodType<Record<string, unknown>> = EVENT_TYPES[type].data;
  const result = schema.safeParse(data);
  if (!result.success) {
    return {
      ok: false,
      error: { tag: 'invalid_data', type, issues: toSchemaIssues(result.error) },
    };
  }
  return { ok: true, type, value: result.data };
}

/** Typed form of {@link parseEventData} for a type known at compile time. Never throws. */
export function parseEventDataAs<T extends EventType>(
  type: T,
  data: unknown,
): SchemaParse<EventDataOf<T>> {
  return parseSchema(EVENT_TYPES[type].data, data) as SchemaParse<EventDataOf<T>>;
}

/** Result of {@link parseCatalogedEvent}. */
export type CatalogedEventParse =
  | { readonly ok: true; readonly value: EventEnvelope & { readonly type: EventType } }
  | { readonly ok: false; readonly error: EventParseError | EventDataError };

/**
 * Parses an event body with {@link parseEvent}, then its `data` with {@link parseEventData}.
 * Never throws. (The auditor records events whatever their data; this is for consumers.)
 */
export function parseCatalogedEvent(body: Uint8Array | string): CatalogedEventParse {
  const envelope = parseEvent(body);
  if (!envelope.ok) return envelope;
  const data = parseEventData(envelope.value.type, envelope.value.data);
  if (!data.ok) return data;
  return { ok: true, value: { ...envelope.value, type: data.type, data: data.value } };
}
