import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sha256Hex } from '../digest.js';
import * as approvals from './approvals.js';
import * as audit from './audit.js';
import { EVENT_TYPES, type EventType } from './events-catalog.js';
import { EVENT_EXAMPLES } from './events-examples.js';
import { SignedEnvelopeSchema } from './envelope.js';
import * as issuer from './issuer.js';
import { ErrorBodySchema } from './primitives.js';
import * as reconciler from './reconciler.js';
import * as status from './status.js';
import * as sync from './sync.js';

// Table-driven checks of every request, reply and body schema: each valid example parses; typical
// invalid inputs fail. For strict object schemas the table also derives, from each valid example,
// one input per key with that key removed (when required) and one with a wrong-typed value.

const NODE = 'region/nyc/node-1';
const HEX = 'ab'.repeat(32);
const KEY = Buffer.alloc(32, 9).toString('base64');
const SIG = 'ed25519=' + Buffer.alloc(64, 7).toString('base64');
const CRED = 'v1=' + Buffer.from('a credential envelope').toString('base64');
const AT = '2030-03-17T17:46:40.123Z';
const ULID = '01JD2M6R4V8X0Z2B4D6F8H0K2M';
const TOKEN = 'tok_'.padEnd(32, 'x');
const long = (n: number) => 'x'.repeat(n);

type Row = {
  readonly name: string;
  readonly schema: z.ZodType;
  readonly valid: readonly unknown[];
  readonly invalid?: readonly (readonly [string, unknown])[];
  /** The object carries unknown keys instead of rejecting them. */
  readonly loose?: boolean;
};

function wrongType(value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return 'not-a-number';
  if (typeof value === 'boolean') return 'true';
  if (value === null) return { bogus: true };
  return 'not-an-object';
}

function derivedInvalid(schema: z.ZodType, example: unknown, loose: boolean): [string, unknown][] {
  if (!(schema instanceof z.ZodObject) || typeof example !== 'object' || example === null)
    return [];
  const shape = schema.shape as Record<string, z.ZodType>;
  const record = example as Record<string, unknown>;
  const out: [string, unknown][] = [];
  for (const key of Object.keys(record)) {
    const field = shape[key];
    if (field === undefined) {
      if (loose) continue;
      throw new Error(`example key ${key} is not in the schema`);
    }
    if (!field.safeParse(undefined).success) {
      const rest = { ...record };
      delete rest[key];
      out.push([`missing ${key}`, rest]);
    }
    out.push([`wrong type of ${key}`, { ...record, [key]: wrongType(record[key]) }]);
  }
  return out;
}

function checkRows(rows: readonly Row[]): void {
  describe.each(rows)('$name', (row) => {
    it.each(row.valid.map((v, i) => [i, v] as const))('accepts valid example %i', (_i, value) => {
      const result = row.schema.safeParse(value);
      expect(result.error?.issues ?? []).toEqual([]);
    });
    it.each([[null], ['text'], [42], [[]], [true]])('rejects the non-object %j', (value) => {
      expect(row.schema.safeParse(value).success).toBe(false);
    });
    it(row.loose === true ? 'carries unknown keys' : 'rejects unknown keys', () => {
      const result = row.schema.safeParse({ ...(row.valid[0] as object), zz_unknown: 1 });
      expect(result.success).toBe(row.loose === true);
      if (result.success) expect(result.data).toMatchObject({ zz_unknown: 1 });
    });
    const invalid = [
      ...row.valid.flatMap((v) => derivedInvalid(row.schema, v, row.loose === true)),
      ...(row.invalid ?? []),
    ];
    it.each(invalid)('rejects %s', (_label, value) => {
      expect(row.schema.safeParse(value).success).toBe(false);
    });
  });
}

const renew = { credential: CRED, nonce: 'b3c1f6a2-58d4-4e0b', ts: 1900000005, pop: SIG };
const evidence = { node_id: NODE, credential_id: HEX, not_after: 1900003600, status_at: AT };
const observation = {
  desired: 2,
  observed: 2,
  present: 2,
  can_sign: 2,
  strict_enforced: false,
  unverified_count: 0,
  unverified: [],
};
const view = {
  id: ULID,
  action_type: 'decommission_node',
  namespace: 'fleet',
  payload: { node_id: 'ghost' },
  requested_by: 'svc/reconciler/r-1',
  requested_at: AT,
  status: 'pending',
  approvers: { kind: 'quorum', quorum: 2 },
  approvals: [{ agent_id: 'alice', approved_at: AT }],
  decided_by: null,
  decided_at: null,
  expires_at: AT,
  cause: null,
};
const statusBody = {
  node_id: NODE,
  credential_id: HEX,
  issuer_id: 'root',
  not_before: 1899999970,
  not_after: 1900003600,
  can_sign: true,
  agent_version: '0.1.0',
  last_renewal_at: AT,
  last_error: 'issuer unavailable',
  at: AT,
};
const report = {
  applied: 1,
  deleted: 0,
  archived: 0,
  restored: 0,
  links_applied: 0,
  pendings_applied: 0,
  pending_decisions_applied: 0,
  namespace_meta_applied: 0,
  namespace_meta_cleared: 0,
  noop: 0,
  skipped: 0,
  quota_refused: 0,
  dry_run: false,
  receiver_agent_id: NODE,
  receiver_clock: { entries: { 'peer-0': AT } },
  quorum: { needed: 2, got: 2, acked_by: [NODE, 'region/ams/node-2'] },
};
const record = { id: 'mem-1', namespace: 'team/a', updated_at: AT, title: 't', content: 'c' };
const checkpoint = { log: 'fedplane-audit', size: 5, head: HEX, at: AT };
const signedCheckpoint = {
  body: Buffer.from(JSON.stringify(checkpoint)).toString('base64'),
  sig: SIG,
  cred: CRED,
};

checkRows([
  {
    name: 'EnrollRequest',
    schema: issuer.EnrollRequestSchema,
    valid: [{ node_id: NODE, region: 'nyc', ttl_s: 3600 }, { node_id: NODE }],
    invalid: [
      ['ttl 0', { node_id: NODE, ttl_s: 0 }],
      ['reserved node id', { node_id: 'system' }],
      ['region with slash', { node_id: NODE, region: 'a/b' }],
      ['oversize node id', { node_id: long(129) }],
    ],
  },
  {
    name: 'EnrollReply',
    schema: issuer.EnrollReplySchema,
    valid: [{ join_token: TOKEN, expires_at: AT }],
  },
  {
    name: 'AttestRequest',
    schema: issuer.AttestRequestSchema,
    valid: [
      { node_id: NODE, public_key: KEY, attestation: { type: 'join_token', token: TOKEN } },
      {
        node_id: 'svc/issuer/i-1',
        public_key: KEY,
        attestation: { type: 'service', service: 'issuer', secret: long(32) },
      },
    ],
    invalid: [
      [
        'short key',
        { node_id: NODE, public_key: 'AAAA', attestation: { type: 'join_token', token: TOKEN } },
      ],
      ['unknown attestation', { node_id: NODE, public_key: KEY, attestation: { type: 'x509' } }],
      [
        'token with service fields',
        {
          node_id: NODE,
          public_key: KEY,
          attestation: { type: 'join_token', token: TOKEN, service: 'issuer' },
        },
      ],
      [
        'service id mismatch',
        {
          node_id: 'svc/auditor/a-1',
          public_key: KEY,
          attestation: { type: 'service', service: 'issuer', secret: long(32) },
        },
      ],
      [
        'service id without instance',
        {
          node_id: 'svc/issuer/',
          public_key: KEY,
          attestation: { type: 'service', service: 'issuer', secret: long(32) },
        },
      ],
      [
        'service id nested',
        {
          node_id: 'svc/issuer/a/b',
          public_key: KEY,
          attestation: { type: 'service', service: 'issuer', secret: long(32) },
        },
      ],
      [
        'oversize secret',
        {
          node_id: 'svc/issuer/i',
          public_key: KEY,
          attestation: { type: 'service', service: 'issuer', secret: long(513) },
        },
      ],
    ],
  },
  {
    name: 'CredentialReply',
    schema: issuer.CredentialReplySchema,
    valid: [{ credential: CRED, chain: CRED, not_after: 1900003600 }],
    invalid: [
      ['v2 credential', { credential: 'v2=' + CRED.slice(3), not_after: 1 }],
      ['oversize credential', { credential: 'v1=' + 'A'.repeat(8192), not_after: 1 }],
    ],
  },
  {
    name: 'RenewRequest',
    schema: issuer.RenewRequestSchema,
    valid: [renew, { ...renew, chain: CRED, new_public_key: KEY }],
    invalid: [
      ['short nonce', { ...renew, nonce: 'abc' }],
      ['nonce with dot', { ...renew, nonce: 'abcdefghijklmnop.' }],
      ['long nonce', { ...renew, nonce: long(129) }],
      ['negative ts', { ...renew, ts: -1 }],
      ['fractional ts', { ...renew, ts: 1.5 }],
      ['pop with parameters', { ...renew, pop: SIG + ';k=v' }],
      ['pop of 63 bytes', { ...renew, pop: 'ed25519=' + Buffer.alloc(63).toString('base64') }],
    ],
  },
  {
    name: 'RevokeRequest',
    schema: issuer.RevokeRequestSchema,
    valid: [{ node_id: NODE, reason: 'decommissioned' }],
    invalid: [
      ['empty reason', { node_id: NODE, reason: '' }],
      ['oversize reason', { node_id: NODE, reason: long(513) }],
    ],
  },
  {
    name: 'RevokeReply',
    schema: issuer.RevokeReplySchema,
    valid: [{ node_id: NODE, status: 'revoked', last_not_after: null }],
  },
  {
    name: 'IntermediateRequest',
    schema: issuer.IntermediateRequestSchema,
    valid: [{ region: 'nyc' }],
  },
  { name: 'BundleRequest', schema: issuer.BundleRequestSchema, valid: [{}] },
  {
    name: 'ApprovalRequest',
    schema: approvals.ApprovalRequestSchema,
    valid: [
      {
        action_type: 'decommission_node',
        namespace: 'fleet',
        requested_by: 'svc/reconciler/r-1',
        payload: {},
      },
      {
        action_type: 'sync_dlq_replay',
        namespace: 'fleet/nyc',
        requested_by: 'cli',
        payload: { node_id: NODE },
        timeout_s: 60,
        approvers: { kind: 'agent', agent_id: 'alice' },
        cause: ULID,
      },
    ],
    invalid: [
      [
        'unknown action type',
        { action_type: 'drop_tables', namespace: 'fleet', requested_by: 'a', payload: {} },
      ],
      [
        'namespace with space',
        { action_type: 'enable_strict', namespace: 'a b', requested_by: 'a', payload: {} },
      ],
      [
        'namespace with leading slash',
        { action_type: 'enable_strict', namespace: '/a', requested_by: 'a', payload: {} },
      ],
      [
        'agent approvers without agent_id',
        {
          action_type: 'enable_strict',
          namespace: 'f',
          requested_by: 'a',
          payload: {},
          approvers: { kind: 'agent' },
        },
      ],
      [
        'any approvers with quorum',
        {
          action_type: 'enable_strict',
          namespace: 'f',
          requested_by: 'a',
          payload: {},
          approvers: { kind: 'any', quorum: 2 },
        },
      ],
      [
        'quorum 0',
        {
          action_type: 'enable_strict',
          namespace: 'f',
          requested_by: 'a',
          payload: {},
          approvers: { kind: 'quorum', quorum: 0 },
        },
      ],
      [
        'oversize payload',
        {
          action_type: 'enable_strict',
          namespace: 'f',
          requested_by: 'a',
          payload: { x: long(70_000) },
        },
      ],
      [
        'payload array',
        { action_type: 'enable_strict', namespace: 'f', requested_by: 'a', payload: [] },
      ],
      [
        'timeout 0',
        {
          action_type: 'enable_strict',
          namespace: 'f',
          requested_by: 'a',
          payload: {},
          timeout_s: 0,
        },
      ],
    ],
  },
  {
    name: 'ApprovalRequestReply',
    schema: approvals.ApprovalRequestReplySchema,
    valid: [{ pending_id: ULID, status: 'approved' }],
    invalid: [['expired status', { pending_id: ULID, status: 'expired' }]],
  },
  {
    name: 'ApprovalGetRequest',
    schema: approvals.ApprovalGetRequestSchema,
    valid: [{ pending_id: '0190c2a4-1f3b-7c1d-8e2f-3a4b5c6d7e8f' }],
    invalid: [['not an id', { pending_id: 'ghost' }]],
  },
  {
    name: 'PendingActionView',
    schema: approvals.PendingActionViewSchema,
    valid: [
      view,
      { ...view, status: 'approved', decided_by: 'alice', decided_at: AT, cause: ULID },
    ],
  },
  {
    name: 'PendingListQuery',
    schema: approvals.PendingListQuerySchema,
    valid: [
      {},
      { status: 'pending', namespace: 'fleet', limit: '20', cursor: 'abc_-1' },
      { limit: 500 },
    ],
    invalid: [
      ['limit 0', { limit: '0' }],
      ['limit 501', { limit: 501 }],
      ['limit text', { limit: '1e3' }],
      ['cursor with slash', { cursor: 'a/b' }],
    ],
  },
  {
    name: 'PendingListReply',
    schema: approvals.PendingListReplySchema,
    valid: [{ items: [view], next_cursor: null }],
  },
  {
    name: 'DecisionBody',
    schema: approvals.DecisionBodySchema,
    valid: [{ decision: 'approve' }, { decision: 'deny', remember: 'forever' }],
    invalid: [
      ['approved', { decision: 'approved' }],
      ['remember always', { decision: 'approve', remember: 'always' }],
    ],
  },
  {
    name: 'ApprovedResponse',
    schema: approvals.ApprovedResponseSchema,
    valid: [{ approved: true, id: ULID, decided_by: 'alice', remember: 'once' }],
  },
  {
    name: 'QuorumPendingResponse',
    schema: approvals.QuorumPendingResponseSchema,
    valid: [
      { approved: false, status: 'pending', id: ULID, votes: 1, quorum: 2, remember: 'once' },
    ],
  },
  {
    name: 'DeniedResponse',
    schema: approvals.DeniedResponseSchema,
    valid: [{ rejected: true, id: ULID, decided_by: 'alice', remember: 'session' }],
  },
  {
    name: 'RuleView',
    schema: approvals.RuleViewSchema,
    valid: [
      {
        id: ULID,
        action_type: 'enable_strict',
        namespace: 'fleet',
        agent_id: 'svc/reconciler/r-1',
        decision: 'approve',
        remember: 'session',
        recorded_at: AT,
        expires_at: AT,
      },
    ],
  },
  {
    name: 'ApprovalRequestedFrame',
    schema: approvals.ApprovalRequestedFrameSchema,
    valid: [
      {
        event: 'approval_requested',
        pending_id: ULID,
        action_type: 'enable_strict',
        namespace: 'fleet',
        requested_by: 'a',
        requested_at: AT,
      },
    ],
  },
  {
    name: 'ApprovalDecidedFrame',
    schema: approvals.ApprovalDecidedFrameSchema,
    valid: [
      {
        event: 'approval_decided',
        pending_id: ULID,
        decision: 'deny',
        decided_by: 'b',
        remember: 'once',
        namespace: 'fleet',
        requested_by: 'a',
      },
    ],
  },
  {
    name: 'LaggedFrame',
    schema: approvals.LaggedFrameSchema,
    valid: [{ lagged: true }],
    invalid: [['lagged false', { lagged: false }]],
  },
  {
    name: 'NodeStatus',
    schema: status.NodeStatusSchema,
    valid: [statusBody],
    invalid: [
      ['second-precision time', { ...statusBody, last_renewal_at: '2030-03-17T17:46:40Z' }],
      ['offset time', { ...statusBody, at: '2030-03-17T17:46:40.123+01:00' }],
      ['oversize version', { ...statusBody, agent_version: long(65) }],
    ],
  },
  {
    name: 'Posture',
    schema: status.PostureSchema,
    valid: [{ require_sig: true, revision: 3, decided_at: AT, evidence: [evidence] }],
    invalid: [
      ['negative revision', { require_sig: true, revision: -1, decided_at: AT, evidence: [] }],
    ],
  },
  {
    name: 'InventoryKvValue',
    schema: status.InventoryKvValueSchema,
    valid: [{ yaml: 'trust_domain: f\n', sha256: sha256Hex(Buffer.from('trust_domain: f\n')) }],
    invalid: [
      [
        'hash mismatch',
        { yaml: 'trust_domain: g\n', sha256: sha256Hex(Buffer.from('trust_domain: f\n')) },
      ],
    ],
  },
  {
    name: 'Lease',
    schema: status.LeaseSchema,
    valid: [{ holder: 'svc/reconciler/r-1', expires_at: AT }],
  },
  {
    name: 'AgentRenewRequest',
    schema: status.AgentRenewRequestSchema,
    valid: [{}, { reason: 'reconciler', cause: ULID }],
  },
  {
    name: 'AgentRenewReply',
    schema: status.AgentRenewReplySchema,
    valid: [{ renewed: true, status: statusBody }],
  },
  {
    name: 'SignedEnvelope',
    schema: SignedEnvelopeSchema,
    valid: [{ body: 'e30=', sig: SIG, cred: CRED, chain: CRED }],
    invalid: [['unpadded body', { body: 'e30', sig: SIG, cred: CRED }]],
  },
  {
    name: 'PlanRequest',
    schema: reconciler.PlanRequestSchema,
    valid: [{}, { inventory_yaml: 'trust_domain: f\n' }],
    invalid: [['oversize yaml', { inventory_yaml: long(1024 * 1024 + 1) }]],
  },
  {
    name: 'PlanReply',
    schema: reconciler.PlanReplySchema,
    valid: [
      {
        actions: [
          { kind: 'enroll_node', id: NODE },
          { kind: 'enable_strict', evidence: [evidence] },
        ],
        guards: [{ kind: 'shrink_guard', reason: 'fell by 50 %', withheld: ['ghost'] }],
        observation,
        inventory_sha256: HEX,
      },
    ],
    invalid: [
      [
        'node action without id',
        { actions: [{ kind: 'enroll_node' }], guards: [], observation, inventory_sha256: HEX },
      ],
      [
        'enable_strict without evidence',
        { actions: [{ kind: 'enable_strict' }], guards: [], observation, inventory_sha256: HEX },
      ],
      [
        'unknown action',
        { actions: [{ kind: 'reboot', id: NODE }], guards: [], observation, inventory_sha256: HEX },
      ],
    ],
  },
  {
    name: 'Checkpoint',
    schema: audit.CheckpointSchema,
    valid: [checkpoint],
    invalid: [
      ['other log', { ...checkpoint, log: 'x' }],
      ['upper-case head', { ...checkpoint, head: HEX.toUpperCase() }],
    ],
  },
  {
    name: 'AuditHeadReply',
    schema: audit.AuditHeadReplySchema,
    valid: [signedCheckpoint],
    invalid: [['body not a checkpoint', { ...signedCheckpoint, body: 'e30=' }]],
  },
  {
    name: 'AuditVerifyRequest',
    schema: audit.AuditVerifyRequestSchema,
    valid: [{}, { from: 10, checkpoint }],
    invalid: [['from 0', { from: 0 }]],
  },
  {
    name: 'AuditVerifyReply',
    schema: audit.AuditVerifyReplySchema,
    valid: [{ rows_checked: 5, first_break: null, signature_failures: [2], checkpoint: 'ok' }],
  },
  {
    name: 'SyncPushBody',
    schema: sync.SyncPushBodySchema,
    valid: [
      { sender_agent_id: NODE, memories: [record] },
      {
        sender_agent_id: NODE,
        sender_clock: { 'peer-0': AT },
        sender_wall_clock: '2030-03-17T17:46:40+00:00',
        memories: [],
        deletions: ['m1'],
        archives: ['m2'],
        restores: [{ id: 'm3' }],
        links: [{ src_id: 'a' }],
        pendings: [],
        pending_decisions: [],
        namespace_meta: [],
        namespace_meta_clears: ['team/a'],
        embeddings: [],
        signals: [],
        action_transitions: [],
        checkpoints: [],
        dry_run: true,
      },
    ],
    invalid: [
      ['reserved sender', { sender_agent_id: 'daemon', memories: [] }],
      [
        '1001 memories',
        { sender_agent_id: NODE, memories: Array.from({ length: 1001 }, () => record) },
      ],
      [
        'record without id',
        { sender_agent_id: NODE, memories: [{ namespace: 'a', updated_at: AT }] },
      ],
      ['oversize record id', { sender_agent_id: NODE, memories: [{ ...record, id: long(129) }] }],
    ],
  },
  {
    name: 'CarriedRecord',
    schema: sync.CarriedRecordSchema,
    valid: [record, { id: 'm', namespace: 'a', deleted: true, updated_at: AT }],
    loose: true,
  },
  {
    name: 'SyncPushReport',
    schema: sync.SyncPushReportSchema,
    valid: [
      report,
      {
        ...report,
        receiver_clock: {},
        quota_refused: false,
        unsupported_on_postgres: 0,
        storage_backend: 'postgres',
        ids: ['mem-1'],
      },
    ],
    loose: true,
  },
  {
    name: 'QuorumNotMetBody',
    schema: sync.QuorumNotMetBodySchema,
    valid: [{ error: 'quorum_not_met', needed: 2, got: 1, reason: 'timeout' }],
    invalid: [['needed 0', { error: 'quorum_not_met', needed: 0, got: 0, reason: 'timeout' }]],
  },
  {
    name: 'SinceQuery',
    schema: sync.SinceQuerySchema,
    valid: [{}, { since: '2030-03-17T17:46:40Z', limit: '10000', peer: NODE, cursor: 'Zm9v' }],
    invalid: [
      ['limit 10001', { limit: '10001' }],
      ['since not a time', { since: 'yesterday' }],
    ],
  },
  {
    name: 'SinceResponse',
    schema: sync.SinceResponseSchema,
    valid: [
      {
        count: 1,
        limit: 500,
        updated_since: null,
        earliest_updated_at: AT,
        latest_updated_at: AT,
        memories: [record],
        excluded_for_scope: 0,
        excluded_for_scope_private: 0,
        scope_status: 'scoped',
        next_cursor: 'Zm9v',
      },
    ],
  },
  {
    name: 'DlqEntry',
    schema: sync.DlqEntrySchema,
    valid: [
      {
        node_id: NODE,
        origin: 'region/ams/node-2',
        class: 'invalid',
        detail: 'title is blank',
        record_id: 'm',
        namespace: 'a',
        msg_id: `region/ams/node-2:m:${HEX}`,
        stream_seq: 7,
        failed_at: AT,
        record: 'e30=',
        signature: SIG,
        credential: CRED,
        chain: CRED,
      },
    ],
  },
  {
    name: 'DlqReplayPayload',
    schema: sync.DlqReplayPayloadSchema,
    valid: [{ node_id: NODE, class: 'unauthenticated' }],
  },
  {
    name: 'QuorumAck',
    schema: sync.QuorumAckSchema,
    valid: [{ msg_id: `host:a.b:m-1:${HEX}`, node_id: NODE, at: AT }],
    invalid: [['msg id without hash', { msg_id: 'a:b:c', node_id: NODE, at: AT }]],
  },
  {
    name: 'ErrorBody',
    schema: ErrorBodySchema,
    valid: [{ error: 'BAD_REQUEST', message: 'bad', issues: [] }],
    loose: true,
    invalid: [['unknown code', { error: 'TEAPOT', message: 'x' }]],
  },
  ...(Object.keys(EVENT_TYPES) as EventType[]).map((type) => ({
    name: `${type} data`,
    schema: EVENT_TYPES[type].data,
    valid: [EVENT_EXAMPLES[type]],
  })),
]);
