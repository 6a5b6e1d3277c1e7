import type { EventDataOf, EventType } from './events-catalog.js';

/**
 * One example `data` per catalogued event type, typed against the catalog so it cannot drift.
 * docs/events.md shows them; the tests parse every one.
 */

const NODE = 'region/nyc/node-1';
const CRED_ID = '61fb7c3e00e1e3b49a934505fd6c9d15ead08596a2eeb499a7a40096a56de445';
const CRED_ID_2 = '04ea74dd01ba43579d3600ee34ee23907a192746d4eb5686cc9ed5c87dee9d34';
const KEY = 'E5j2LG0aRXxRumpLXz29L2n8qTIWIY3ImX5Ba9F9k8o=';
const PENDING = '01JD2M6R4V8X0Z2B4D6F8H0K2M';
const RULE = '01JD2M7A1B2C3D4E5F6G7H8J9K';
const WINDOW = {
  issuer_id: 'root',
  trust_domain: 'fleet.example',
  not_before: 1899999970,
  not_after: 1900003600,
};
const OBSERVATION = {
  desired: 3,
  observed: 2,
  present: 2,
  can_sign: 1,
  strict_enforced: false,
  unverified_count: 1,
  unverified: [{ node_id: 'region/nyc/node-3', reason: 'credential_expired' }],
};
const SHRINK = { kind: 'shrink_guard', reason: 'present nodes fell from 10 to 2 (more than 30 %)' };
const PENDING_FIELDS = {
  pending_id: PENDING,
  action_type: 'decommission_node',
  namespace: 'fleet',
  requested_by: 'svc/reconciler/r-1',
} as const;
const RULE_FIELDS = {
  rule_id: RULE,
  action_type: 'decommission_node',
  namespace: 'fleet',
  agent_id: 'svc/reconciler/r-1',
  decision: 'approve',
} as const;

/** Example data for every event type. */
export const EVENT_EXAMPLES: { readonly [T in EventType]: EventDataOf<T> } = {
  'credential.issued': { credential_id: CRED_ID, ...WINDOW, via: 'attest', generation: 1 },
  'credential.renewed': { subject: NODE, ...WINDOW, renewed_at: '2030-03-17T17:46:42.123Z' },
  'credential.denied': { operation: 'renew', reason: 'nonce_replay', node_id: NODE },
  'credential.reuse_detected': {
    presented_credential_id: CRED_ID,
    latest_credential_id: CRED_ID_2,
  },
  'node.enrolled': { region: 'nyc', attestor: 'join-token', generation: 1 },
  'node.revoked': { reason: 'decommissioned', trigger: 'request', last_not_after: 1900003600 },
  'issuer.key_rotated': {
    trust_domain: 'fleet.example',
    bundle_sequence: 8,
    step: 'activated',
    issuer_id: 'root-2',
    public_key: KEY,
  },
  'credential.renewal_failed': {
    reason: 'issuer_unavailable',
    attempt: 3,
    retry_at: '2030-03-17T17:50:00.000Z',
    credential_id: CRED_ID,
    not_after: 1900003600,
  },
  'credential.expiring': { credential_id: CRED_ID, not_after: 1900003600, remaining_s: 600 },
  'credential.expired': { credential_id: CRED_ID, not_after: 1900003600 },
  'reconcile.planned': {
    actions: [{ kind: 'enroll_node', id: 'region/nyc/node-3' }],
    action_counts: {
      enroll_node: 1,
      issue_credential: 0,
      decommission_node: 0,
      disable_strict: 0,
      enable_strict: 0,
    },
    truncated: false,
    guards: [],
    observation: OBSERVATION,
    inventory_sha256: CRED_ID_2,
  },
  'reconcile.action_applied': {
    action: { kind: 'decommission_node', id: 'ghost' },
    outcome: 'approval_requested',
    pending_id: PENDING,
  },
  'reconcile.action_failed': {
    action: { kind: 'enroll_node', id: NODE },
    error: 'UNAVAILABLE',
    message: 'issuer did not answer within 2000 ms',
    retryable: true,
  },
  'reconcile.guarded': {
    guard: SHRINK,
    withheld: [{ kind: 'decommission_node', id: 'region/nyc/node-9' }],
    withheld_count: 1,
    present_count: 2,
    previous_present_count: 10,
  },
  'enforcement.changed': {
    require_sig: true,
    revision: 3,
    previous_require_sig: false,
    evidence_count: 3,
  },
  'sync.quorum_missed': {
    needed: 2,
    got: 1,
    acked_by: [NODE],
    reason: 'timeout',
    record_count: 1,
    record_ids: ['mem-1'],
    timeout_ms: 2000,
  },
  'sync.dlq_added': {
    class: 'out_of_scope',
    origin: 'region/ams/node-2',
    record_id: 'mem-7',
    namespace: 'team/secret',
    detail: 'namespace outside the peer scope',
    stream_seq: 4812,
  },
  'sync.dlq_replayed': { pending_id: PENDING, replayed: 10, applied: 9, failed: 1, remaining: 1 },
  'sync.snapshot_completed': {
    peer: 'region/ams/node-2',
    records: 120000,
    pages: 240,
    stream_seq: 88231,
    duration_ms: 5400,
  },
  'approval.requested': { ...PENDING_FIELDS, expires_at: '2030-03-18T17:46:43.123Z' },
  'approval.decided': {
    ...PENDING_FIELDS,
    decision: 'approve',
    decider: 'alice',
    remember: 'once',
  },
  'approval.expired': { ...PENDING_FIELDS, expires_at: '2030-03-18T17:46:43.123Z' },
  'approval.rule_recorded': {
    ...RULE_FIELDS,
    remember: 'forever',
    recorded_at: '2030-03-17T17:47:00.000Z',
    expires_at: null,
    pending_id: PENDING,
  },
  'approval.rule_deleted': { ...RULE_FIELDS, reason: 'deleted', deleted_by: 'alice' },
  'audit.rejected_event': {
    seq: 42,
    event_id: '01ba60d3-481b-717d-a941-108ba23a21f0',
    type: 'enforcement.changed',
    actor: 'svc/reconciler/r-1',
    attest_level: 'invalid_signature',
    reason: 'signature_invalid',
    body_sha256: CRED_ID_2,
  },
};
