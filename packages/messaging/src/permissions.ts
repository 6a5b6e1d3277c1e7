import { EVENT_TYPES, type ServiceName } from '@fedplane/core';
import {
  JS_ACCOUNT_INFO,
  consumerInfoSubjects,
  durableConsumerSubjects,
  durableDenySubjects,
  kvCreateSubjects,
  kvEnsureSubjects,
  kvReadSubjects,
  kvWriteSubjects,
  streamEnsureSubjects,
  streamReadSubjects,
} from './permissions-js.js';
import {
  AUDITOR_CONSUMER,
  BucketName,
  RECONCILER_BUCKET,
  SYNC_STREAMS,
  StreamName,
  fedBuckets,
  fedStreams,
  syncConsumer,
} from './streams.js';
import {
  FixedSubject,
  SYNC_ACK_INBOX_PREFIX,
  SubjectFilter,
  agentFilter,
  agentRenewSubject,
  eventAreaFilter,
  eventSubject,
  eventTypeFilters,
  nodeStatusSubject,
  serviceStatusSubject,
  syncDlqSubject,
  syncPushSubject,
  syncRecordSubject,
  syncSinceSubject,
} from './subjects.js';

/**
 * NATS permissions as data (operations.md, Security): for every role, the exact publish and
 * subscribe allow/deny lists, built from the subject, stream, consumer and bucket declarations of
 * this package (nothing typed twice). `permissions-conf.ts` renders them into `deploy/nats.conf`.
 *
 * Node roles (`renewal-agent`, `sync-gateway`) are per node: their lists name only that node's
 * subjects. Deliberate exception to "only the admin calls enroll/revoke": the reconciler carries
 * out the inventory the admin applied (reconciler.md: `enroll_node` → `fed.issuer.enroll`,
 * approved `decommission_node` → `fed.issuer.revoke`), so it may call those two; `intermediate`
 * and `rotate` stay admin-only.
 */

/** The NATS roles of fedplane: the six services and the operator (CLI). */
export const NatsRole = {
  issuer: 'issuer',
  renewalAgent: 'renewal-agent',
  reconciler: 'reconciler',
  syncGateway: 'sync-gateway',
  approvals: 'approvals',
  auditor: 'auditor',
  admin: 'admin',
} as const;
/** One NATS role. */
export type NatsRole = (typeof NatsRole)[keyof typeof NatsRole];

/** Roles whose permissions name one or more nodes. */
export const NODE_ROLES: readonly NatsRole[] = [NatsRole.renewalAgent, NatsRole.syncGateway];

/** Allow and deny lists of one direction (deny wins in nats-server). */
export type SubjectPermission = {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
};

/** The permissions of one NATS user. */
export type RolePermissions = {
  readonly publish: SubjectPermission;
  readonly subscribe: SubjectPermission;
  /** May reply to requests it received (request/reply services, JetStream acks). */
  readonly allowResponses: boolean;
};

/** Every subject, for the admin. */
const ALL = '>';
/** Request replies come back on the client's inbox. */
const INBOX = '_INBOX.>';
/** The sync-gateways' quorum-ack inboxes (`Fed-Ack-Inbox`). */
const ACK_INBOX = `${SYNC_ACK_INBOX_PREFIX}.>`;
const PLACEHOLDER_NODE = 'placeholder-node';

/** `build(node)` with the node token replaced by `*` (e.g. `fed.agent.*.renew`). */
function anyNode(build: (nodeId: string) => string): string {
  return build(PLACEHOLDER_NODE)
    .split('.')
    .map((t) => (t === PLACEHOLDER_NODE ? '*' : t))
    .join('.');
}

/** `$SRV` control subjects a service named `name` answers (PING, INFO, STATS; all, by name, by id). */
export function serviceControlSubjects(name: ServiceName): string[] {
  return ['$SRV.*', `$SRV.*.${name}`, `$SRV.*.${name}.*`];
}

/** Event subjects `service` may publish: each type it emits, for any subject or only `nodes`. */
export function eventPublishSubjects(service: ServiceName, nodes?: readonly string[]): string[] {
  const out: string[] = [];
  for (const [type, spec] of Object.entries(EVENT_TYPES)) {
    if (spec.emitter !== service) continue;
    if (nodes === undefined) out.push(...eventTypeFilters(type));
    else out.push(...nodes.map((node) => eventSubject(type, node)));
  }
  return out;
}

function unique(subjects: readonly string[]): string[] {
  return [...new Set(subjects)];
}

type Lists = {
  readonly pub: readonly string[];
  readonly sub: readonly string[];
  readonly pubDeny?: readonly string[];
  readonly responses?: boolean;
};

function permissions(lists: Lists): RolePermissions {
  return {
    publish: { allow: unique([JS_ACCOUNT_INFO, ...lists.pub]), deny: unique(lists.pubDeny ?? []) },
    subscribe: { allow: unique([INBOX, ...lists.sub]), deny: [] },
    allowResponses: lists.responses ?? true,
  };
}

/** Create-or-update of every stream and bucket (services that run `ensureStreams`/`ensureKv`). */
function ensureAll(): string[] {
  return [
    ...fedStreams().flatMap((s) => streamEnsureSubjects(s.name)),
    ...fedBuckets().flatMap((b) => kvEnsureSubjects(b.bucket)),
  ];
}

/** What a credential holder needs: attest, renew, the bundle (request and KV). */
function credentialHolder(): string[] {
  return [
    FixedSubject.issuerAttest,
    FixedSubject.issuerRenew,
    FixedSubject.issuerBundle,
    ...kvReadSubjects(BucketName.trust),
  ];
}

/** Reading `FED_EVENTS` without touching the auditor's durable. */
function eventsReader(): { pub: string[]; pubDeny: string[] } {
  return {
    pub: streamReadSubjects(StreamName.events),
    pubDeny: durableDenySubjects(StreamName.events, AUDITOR_CONSUMER),
  };
}

function issuer(): RolePermissions {
  return permissions({
    pub: [
      ...ensureAll(),
      ...kvReadSubjects(BucketName.trust),
      ...kvWriteSubjects(BucketName.trust),
      ...eventPublishSubjects('issuer'),
      anyServiceStatus('issuer'),
    ],
    sub: [
      FixedSubject.issuerAttest,
      FixedSubject.issuerRenew,
      FixedSubject.issuerBundle,
      FixedSubject.issuerEnroll,
      FixedSubject.issuerRevoke,
      FixedSubject.issuerIntermediate,
      FixedSubject.issuerRotate,
      ...serviceControlSubjects('issuer'),
    ],
  });
}

function anyServiceStatus(service: ServiceName): string {
  return serviceStatusSubject(service, PLACEHOLDER_NODE).replace(PLACEHOLDER_NODE, '*');
}

function renewalAgent(nodes: readonly string[]): RolePermissions {
  return permissions({
    pub: [
      ...credentialHolder(),
      ...nodes.map((n) => nodeStatusSubject(n)),
      ...eventPublishSubjects('renewal-agent', nodes),
    ],
    sub: [...nodes.map((n) => agentFilter(n)), ...serviceControlSubjects('renewal-agent')],
  });
}

function syncGateway(nodes: readonly string[]): RolePermissions {
  const events = eventsReader();
  return permissions({
    pub: [
      ...credentialHolder(),
      // the start-up ensure of the two streams the gateways own, and nothing else
      ...SYNC_STREAMS.flatMap((name) => streamEnsureSubjects(name)),
      ...nodes.flatMap((n) => [syncRecordSubject(n), syncDlqSubject(n)]),
      ...nodes.flatMap((n) => durableConsumerSubjects(StreamName.sync, syncConsumer(n).name)),
      // joining by snapshot reads the ack floor of a peer's durable
      ...consumerInfoSubjects(StreamName.sync),
      ...streamReadSubjects(StreamName.syncDlq),
      ...events.pub,
      ...kvReadSubjects(BucketName.enforcement),
      ...kvReadSubjects(BucketName.inventory),
      anyNode(syncSinceSubject),
      // a granted DLQ replay reads its pending action
      FixedSubject.approvalsGet,
      // quorum acks go to the Fed-Ack-Inbox the writing gateway listens on
      ACK_INBOX,
      ...eventPublishSubjects('sync-gateway', nodes),
      anyServiceStatus('sync-gateway'),
    ],
    pubDeny: events.pubDeny,
    sub: [
      ...nodes.flatMap((n) => [syncPushSubject(n), syncSinceSubject(n)]),
      ACK_INBOX,
      ...eventTypeFilters('approval.decided'),
      ...serviceControlSubjects('sync-gateway'),
    ],
  });
}

function reconciler(): RolePermissions {
  const events = eventsReader();
  return permissions({
    pub: [
      ...ensureAll(),
      ...credentialHolder(),
      FixedSubject.issuerEnroll,
      FixedSubject.issuerRevoke,
      anyNode(agentRenewSubject),
      FixedSubject.approvalsRequest,
      FixedSubject.approvalsGet,
      ...streamReadSubjects(StreamName.status),
      ...events.pub,
      ...kvReadSubjects(BucketName.enforcement),
      ...kvWriteSubjects(BucketName.enforcement),
      ...kvReadSubjects(BucketName.inventory),
      ...kvReadSubjects(BucketName.leases),
      ...kvWriteSubjects(BucketName.leases),
      // its own action journal
      ...kvCreateSubjects(RECONCILER_BUCKET),
      ...kvReadSubjects(RECONCILER_BUCKET),
      ...kvWriteSubjects(RECONCILER_BUCKET),
      ...eventPublishSubjects('reconciler'),
      anyServiceStatus('reconciler'),
    ],
    pubDeny: events.pubDeny,
    sub: [
      FixedSubject.reconcilerPlan,
      SubjectFilter.nodeStatus,
      ...eventTypeFilters('approval.decided'),
      ...serviceControlSubjects('reconciler'),
    ],
  });
}

function approvals(): RolePermissions {
  const events = eventsReader();
  return permissions({
    pub: [
      ...ensureAll(),
      ...credentialHolder(),
      ...events.pub,
      ...kvReadSubjects(BucketName.leases),
      ...kvWriteSubjects(BucketName.leases),
      ...kvReadSubjects(BucketName.inventory),
      ...eventPublishSubjects('approvals'),
      anyServiceStatus('approvals'),
    ],
    pubDeny: events.pubDeny,
    sub: [
      FixedSubject.approvalsRequest,
      FixedSubject.approvalsGet,
      eventAreaFilter('approval'),
      ...serviceControlSubjects('approvals'),
    ],
  });
}

function auditor(): RolePermissions {
  return permissions({
    pub: [
      ...ensureAll(),
      ...credentialHolder(),
      ...durableConsumerSubjects(StreamName.events, AUDITOR_CONSUMER),
      ...streamReadSubjects(StreamName.events),
      ...kvReadSubjects(BucketName.audit),
      ...kvWriteSubjects(BucketName.audit),
      ...kvReadSubjects(BucketName.leases),
      ...kvWriteSubjects(BucketName.leases),
      FixedSubject.auditCheckpoint,
      ...eventPublishSubjects('auditor'),
      anyServiceStatus('auditor'),
    ],
    sub: [FixedSubject.auditHead, FixedSubject.auditVerify, ...serviceControlSubjects('auditor')],
  });
}

/**
 * The permissions of `role`. Node roles need `nodes` (one node, or the simulated nodes one
 * renewal-agent process runs); other roles ignore it. Throws `RangeError` for a node role without
 * nodes, and `AppError(BAD_REQUEST)` for an invalid node id.
 */
export function rolePermissions(role: NatsRole, nodes: readonly string[] = []): RolePermissions {
  if (NODE_ROLES.includes(role) && nodes.length === 0) {
    throw new RangeError(`role ${role} needs at least one node`);
  }
  switch (role) {
    case NatsRole.issuer:
      return issuer();
    case NatsRole.renewalAgent:
      return renewalAgent(nodes);
    case NatsRole.syncGateway:
      return syncGateway(nodes);
    case NatsRole.reconciler:
      return reconciler();
    case NatsRole.approvals:
      return approvals();
    case NatsRole.auditor:
      return auditor();
    case NatsRole.admin:
      return {
        publish: { allow: [ALL], deny: [] },
        subscribe: { allow: [ALL], deny: [] },
        allowResponses: true,
      };
  }
}
