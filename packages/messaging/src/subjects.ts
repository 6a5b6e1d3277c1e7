import { AppError, ErrorCode, decodeToken, subjectToken } from '@fedplane/core';

/**
 * Every NATS subject of fedplane (bus.md) is written here and nowhere else.
 *
 * Fixed request subjects are constants ({@link FixedSubject}); subjects that carry an identity are
 * built by functions that turn each id into one token with core's `subjectToken` (an invalid id
 * throws `AppError(BAD_REQUEST)` before any subject exists, so `*`, `>`, `.`, spaces and control
 * characters never reach a subject). The `parse*` functions are the inverses; they never throw.
 *
 * Service status (our choice, not in bus.md's table): `fed.status.svc.<service>.<instance-token>`,
 * where `<service>` is the lower-case service name (`issuer`, `auditor`, …) and the instance is
 * the agent-id-shaped instance name, tokenised like any id. It lands in `FED_STATUS` with node
 * status, one latest message per subject.
 */

/** First token of every fedplane subject. */
export const SUBJECT_ROOT = 'fed';

/** Request/reply and publish subjects without an id (bus.md tables). */
export const FixedSubject = {
  issuerAttest: 'fed.issuer.attest',
  issuerRenew: 'fed.issuer.renew',
  issuerBundle: 'fed.issuer.bundle',
  issuerEnroll: 'fed.issuer.enroll',
  issuerRevoke: 'fed.issuer.revoke',
  issuerIntermediate: 'fed.issuer.intermediate',
  /** Admin: publish a new issuer key as `next` (publish-before-use rotation). */
  issuerRotate: 'fed.issuer.rotate',
  approvalsRequest: 'fed.approvals.request',
  approvalsGet: 'fed.approvals.get',
  auditHead: 'fed.audit.head',
  auditVerify: 'fed.audit.verify',
  auditCheckpoint: 'fed.audit.checkpoint',
  reconcilerPlan: 'fed.reconciler.plan',
} as const;
/** One of the fixed subjects. */
export type FixedSubject = (typeof FixedSubject)[keyof typeof FixedSubject];

/** Wildcard filters for streams, consumers and subscriptions. */
export const SubjectFilter = {
  /** Every domain event (stream `FED_EVENTS`). */
  events: 'fed.evt.>',
  /** Every status message (stream `FED_STATUS`). */
  status: 'fed.status.>',
  /** Every node status (`fed.status.node.<node>`). */
  nodeStatus: 'fed.status.node.*',
  /** Every service-instance status (`fed.status.svc.<service>.<instance>`). */
  serviceStatus: 'fed.status.svc.*.*',
  /** Every replicated record (stream `FED_SYNC`). */
  syncRecords: 'fed.sync.rec.>',
  /** Every dead-lettered record (stream `FED_SYNC_DLQ`). */
  syncDlq: 'fed.sync.dlq.>',
  /** Every signed audit checkpoint (stream `FED_CHECKPOINTS`). */
  auditCheckpoints: 'fed.audit.checkpoint',
} as const;
/** One of the wildcard filters. */
export type SubjectFilter = (typeof SubjectFilter)[keyof typeof SubjectFilter];

/**
 * Prefix of the inbox a sync-gateway collects quorum acks on (`createInbox(SYNC_ACK_INBOX_PREFIX)`,
 * named in each record's `Fed-Ack-Inbox`): kept apart from `_INBOX`, so the permissions can let
 * gateways send acks there and nowhere else.
 */
export const SYNC_ACK_INBOX_PREFIX = '_FEDSYNC';

/** Verbs a renewal-agent serves on `fed.agent.<node>.<verb>`. */
export const AgentVerb = { renew: 'renew', status: 'status' } as const;
/** A renewal-agent verb. */
export type AgentVerb = (typeof AgentVerb)[keyof typeof AgentVerb];

/** Verbs a sync-gateway serves on `fed.sync.<node>.<verb>`. */
export const SyncVerb = { push: 'push', since: 'since' } as const;
/** A sync-gateway verb. */
export type SyncVerb = (typeof SyncVerb)[keyof typeof SyncVerb];

const EVENT_PART = /^[a-z][a-z0-9_]*$/;
const EVENT_TYPE = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;
const EVENT_TYPE_MAX_CHARS = 64;
const SERVICE_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** The token of `id`, or `AppError(BAD_REQUEST)` naming the field and the agent-id problem. */
function token(field: string, id: string): string {
  const result = subjectToken(id);
  if (result.ok) return result.token;
  throw new AppError(ErrorCode.BAD_REQUEST, `invalid ${field} for a subject`, {
    details: { field, reason: result.error.reason },
  });
}

function badRequest(field: string, reason: string): AppError {
  return new AppError(ErrorCode.BAD_REQUEST, `invalid ${field} for a subject`, {
    details: { field, reason },
  });
}

/** True when `type` is an event type `<area>.<name>` (snake_case parts, ≤ 64 chars). */
export function isEventTypeName(type: string): boolean {
  return type.length <= EVENT_TYPE_MAX_CHARS && EVENT_TYPE.test(type);
}

/** True when `name` is a service name usable as a subject token (`[a-z][a-z0-9-]{0,31}`). */
export function isServiceNameToken(name: string): boolean {
  return SERVICE_NAME.test(name);
}

/** `fed.agent.<node>.<verb>`: a renewal-agent request subject. Throws BAD_REQUEST on a bad id. */
export function agentSubject(nodeId: string, verb: AgentVerb): string {
  return `fed.agent.${token('node_id', nodeId)}.${verb}`;
}

/** `fed.agent.<node>.renew`. Throws BAD_REQUEST on a bad id. */
export function agentRenewSubject(nodeId: string): string {
  return agentSubject(nodeId, AgentVerb.renew);
}

/** `fed.agent.<node>.status`. Throws BAD_REQUEST on a bad id. */
export function agentStatusSubject(nodeId: string): string {
  return agentSubject(nodeId, AgentVerb.status);
}

/** `fed.agent.<node>.>`: everything one node's agent serves (permissions, subscriptions). */
export function agentFilter(nodeId: string): string {
  return `fed.agent.${token('node_id', nodeId)}.>`;
}

/** `fed.sync.<node>.<verb>`: a sync-gateway request subject. Throws BAD_REQUEST on a bad id. */
export function syncRequestSubject(nodeId: string, verb: SyncVerb): string {
  return `fed.sync.${token('node_id', nodeId)}.${verb}`;
}

/** `fed.sync.<node>.push`. Throws BAD_REQUEST on a bad id. */
export function syncPushSubject(nodeId: string): string {
  return syncRequestSubject(nodeId, SyncVerb.push);
}

/** `fed.sync.<node>.since`. Throws BAD_REQUEST on a bad id. */
export function syncSinceSubject(nodeId: string): string {
  return syncRequestSubject(nodeId, SyncVerb.since);
}

/** `fed.sync.rec.<node>`: records replicated from origin `nodeId` (stream `FED_SYNC`). */
export function syncRecordSubject(nodeId: string): string {
  return `fed.sync.rec.${token('node_id', nodeId)}`;
}

/** `fed.sync.dlq.<node>`: records node `nodeId` could not apply (stream `FED_SYNC_DLQ`). */
export function syncDlqSubject(nodeId: string): string {
  return `fed.sync.dlq.${token('node_id', nodeId)}`;
}

/** `fed.status.node.<node>`: latest signed status of a node (stream `FED_STATUS`). */
export function nodeStatusSubject(nodeId: string): string {
  return `fed.status.node.${token('node_id', nodeId)}`;
}

/**
 * `fed.status.svc.<service>.<instance>`: latest signed status of one service instance.
 * `service` must satisfy {@link isServiceNameToken}; `instance` must be a valid agent id.
 * Throws BAD_REQUEST otherwise.
 */
export function serviceStatusSubject(service: string, instance: string): string {
  if (!isServiceNameToken(service)) throw badRequest('service', 'invalid_service_name');
  return `fed.status.svc.${service}.${token('instance', instance)}`;
}

/**
 * `fed.evt.<area>.<name>[.<subject-token>]` for an event of `type` (`<area>.<name>`) about
 * `subject` (an agent id or object id; omitted → no last token). Throws BAD_REQUEST on a bad type
 * or subject.
 */
export function eventSubject(type: string, subject?: string): string {
  if (!isEventTypeName(type)) throw badRequest('type', 'invalid_event_type');
  const base = `fed.evt.${type}`;
  return subject === undefined ? base : `${base}.${token('subject', subject)}`;
}

/**
 * Filters matching every event of one type, with and without a subject token:
 * `[fed.evt.<area>.<name>, fed.evt.<area>.<name>.*]` (one core subscription each; NATS 2.9 has
 * no multi-filter consumers, so a consumer uses {@link eventAreaFilter} or `fed.evt.>`).
 */
export function eventTypeFilters(type: string): readonly [string, string] {
  const base = eventSubject(type);
  return [base, `${base}.*`];
}

/** `fed.evt.<area>.>`: every event of one area. Throws BAD_REQUEST on a bad area. */
export function eventAreaFilter(area: string): string {
  if (!EVENT_PART.test(area) || area.length > EVENT_TYPE_MAX_CHARS) {
    throw badRequest('area', 'invalid_event_area');
  }
  return `fed.evt.${area}.>`;
}

/** Why a subject did not parse. `bad_token`: the shape matched but the id token is invalid. */
export type SubjectParseError =
  { readonly tag: 'not_matching' } | { readonly tag: 'bad_token'; readonly reason: string };

/** Result of a `parse*Subject` function. */
export type SubjectParse<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: SubjectParseError };

const NOT_MATCHING = { ok: false, error: { tag: 'not_matching' } } as const;

/** Splits `subject` and checks the fixed leading tokens; the rest, or undefined. */
function after(
  subject: string,
  prefix: readonly string[],
  restCount: number,
): string[] | undefined {
  const parts = subject.split('.');
  if (parts.length !== prefix.length + restCount) return undefined;
  for (let i = 0; i < prefix.length; i++) if (parts[i] !== prefix[i]) return undefined;
  return parts.slice(prefix.length);
}

function decoded<T>(tokenText: string, build: (id: string) => T): SubjectParse<T> {
  const result = decodeToken(tokenText);
  if (!result.ok) return { ok: false, error: { tag: 'bad_token', reason: result.error.reason } };
  return { ok: true, value: build(result.id) };
}

function parseSingle(subject: string, prefix: readonly string[]): SubjectParse<string> {
  const rest = after(subject, prefix, 1);
  if (rest?.[0] === undefined) return NOT_MATCHING;
  return decoded(rest[0], (id) => id);
}

/** The node id of `fed.status.node.<token>`. Never throws. */
export function parseNodeStatusSubject(subject: string): SubjectParse<string> {
  return parseSingle(subject, ['fed', 'status', 'node']);
}

const RECORD_SUBJECTS_KEPT = 1_024;
const recordSubjects = new Map<string, SubjectParse<string>>();

/**
 * The origin node id of `fed.sync.rec.<token>`. Never throws. Parsed once per subject and kept
 * (bounded: a fleet's origins), since every replicated record passes here at every gateway.
 */
export function parseSyncRecordSubject(subject: string): SubjectParse<string> {
  const kept = recordSubjects.get(subject);
  if (kept !== undefined) return kept;
  const parsed = parseSingle(subject, ['fed', 'sync', 'rec']);
  if (recordSubjects.size >= RECORD_SUBJECTS_KEPT) recordSubjects.clear();
  recordSubjects.set(subject, parsed);
  return parsed;
}

/** The node id of `fed.sync.dlq.<token>`. Never throws. */
export function parseSyncDlqSubject(subject: string): SubjectParse<string> {
  return parseSingle(subject, ['fed', 'sync', 'dlq']);
}

/** `{service, instance}` of `fed.status.svc.<service>.<token>`. Never throws. */
export function parseServiceStatusSubject(
  subject: string,
): SubjectParse<{ readonly service: string; readonly instance: string }> {
  const rest = after(subject, ['fed', 'status', 'svc'], 2);
  const [service, instance] = rest ?? [];
  if (service === undefined || instance === undefined || !isServiceNameToken(service)) {
    return NOT_MATCHING;
  }
  return decoded(instance, (id) => ({ service, instance: id }));
}

/** `{nodeId, verb}` of `fed.agent.<token>.renew|status`. Never throws. */
export function parseAgentSubject(
  subject: string,
): SubjectParse<{ readonly nodeId: string; readonly verb: AgentVerb }> {
  const [node, verb] = after(subject, ['fed', 'agent'], 2) ?? [];
  if (node === undefined || (verb !== AgentVerb.renew && verb !== AgentVerb.status)) {
    return NOT_MATCHING;
  }
  return decoded(node, (nodeId) => ({ nodeId, verb }));
}

/** `{nodeId, verb}` of `fed.sync.<token>.push|since`. Never throws. */
export function parseSyncRequestSubject(
  subject: string,
): SubjectParse<{ readonly nodeId: string; readonly verb: SyncVerb }> {
  const [node, verb] = after(subject, ['fed', 'sync'], 2) ?? [];
  if (node === undefined || (verb !== SyncVerb.push && verb !== SyncVerb.since)) {
    return NOT_MATCHING;
  }
  return decoded(node, (nodeId) => ({ nodeId, verb }));
}

/** A parsed event subject: the type and, when present, the decoded subject id. */
export type EventSubjectParts = {
  readonly type: string;
  readonly area: string;
  readonly name: string;
  readonly subject?: string;
};

/** The parts of `fed.evt.<area>.<name>[.<token>]`. Never throws. */
export function parseEventSubject(subject: string): SubjectParse<EventSubjectParts> {
  const parts = subject.split('.');
  if (parts.length !== 4 && parts.length !== 5) return NOT_MATCHING;
  const [root, evt, area, name, last] = parts;
  if (root !== SUBJECT_ROOT || evt !== 'evt' || area === undefined || name === undefined) {
    return NOT_MATCHING;
  }
  const type = `${area}.${name}`;
  if (!isEventTypeName(type)) return NOT_MATCHING;
  if (last === undefined) return { ok: true, value: { type, area, name } };
  return decoded(last, (id) => ({ type, area, name, subject: id }));
}
