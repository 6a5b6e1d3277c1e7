import {
  FixedSubject,
  RECONCILER_BUCKET,
  SYNC_ACK_INBOX_PREFIX,
  StreamName,
  SubjectFilter,
  agentRenewSubject,
  agentStatusSubject,
  eventSubject,
  fedBuckets,
  fedStreams,
  nodeStatusSubject,
  serviceStatusSubject,
  syncDlqSubject,
  syncPushSubject,
  syncRecordSubject,
  syncSinceSubject,
} from '@fedplane/messaging';
import { generatedBanner, markdownTable } from './markdown-table.js';

const NODE = 'region/nyc/node-1';

/** docs/subjects.md: request subjects, streams, KV buckets — rendered from the messaging module. */
export function renderSubjectsDoc(): string {
  const requests: [string, string, string][] = [
    [
      FixedSubject.issuerAttest,
      'issuer',
      'first credential for a node or service: attestation evidence + new public key',
    ],
    [
      FixedSubject.issuerRenew,
      'issuer',
      'renew by proof of possession of the current credential key',
    ],
    [FixedSubject.issuerBundle, 'issuer', 'current trust bundle'],
    [
      FixedSubject.issuerEnroll,
      'issuer',
      'admin: register a node id, returns a one-time join token',
    ],
    [FixedSubject.issuerRevoke, 'issuer', 'admin: deny all further issuance for a node id'],
    [FixedSubject.issuerIntermediate, 'issuer', 'admin: mint a region intermediate credential'],
    [
      FixedSubject.issuerRotate,
      'issuer',
      'admin: publish a new issuer key as next (activated after 3 × refresh_hint_s)',
    ],
    [FixedSubject.approvalsRequest, 'approvals', 'ask for approval of an action'],
    [FixedSubject.approvalsGet, 'approvals', 'one pending action by id'],
    [FixedSubject.auditHead, 'auditor', 'latest signed checkpoint'],
    [FixedSubject.auditVerify, 'auditor', 'verify the chain (optionally from a sequence)'],
    [
      FixedSubject.reconcilerPlan,
      'reconciler',
      'dry run: the plan for the current (or a given) inventory',
    ],
    [agentRenewSubject(NODE), 'renewal-agent', "ask that node's agent to renew now"],
    [agentStatusSubject(NODE), 'renewal-agent', "that node's current status"],
    [syncPushSubject(NODE), 'sync-gateway', "write records through that node's gateway"],
    [syncSinceSubject(NODE), 'sync-gateway', "keyset page of that node's replica"],
  ];
  const published: [string, string][] = [
    [eventSubject('credential.issued', NODE), 'a domain event (see events.md); stream FED_EVENTS'],
    [nodeStatusSubject(NODE), "a node's signed status; stream FED_STATUS (latest per subject)"],
    [
      serviceStatusSubject('auditor', 'a-1'),
      "a service instance's signed status; stream FED_STATUS",
    ],
    [syncRecordSubject(NODE), 'a replicated record from its origin node; stream FED_SYNC'],
    [
      syncDlqSubject(NODE),
      'a record that node could not apply, with its class; stream FED_SYNC_DLQ',
    ],
    [FixedSubject.auditCheckpoint, 'every signed audit checkpoint; stream FED_CHECKPOINTS'],
  ];
  const streams = fedStreams().map((s) => [
    `\`${s.name}\``,
    s.subjects.map((x) => `\`${x}\``).join(', '),
    s.description,
  ]);
  const buckets = fedBuckets().map((b) => [`\`${b.bucket}\``, b.description]);
  return `${generatedBanner('pnpm docs:gen')}

# Subjects, streams and buckets

Node and service ids become one subject token each: every byte outside \`[A-Za-z0-9_-:@/]\` is
percent-encoded (\`host:a.b\` → \`host:a%2Eb\`); an invalid id is refused before any subject is built.
Examples use the node \`${NODE}\`.

## Request/reply (NATS micro services, queue group \`q\`)

${markdownTable(
  ['subject', 'served by', 'purpose'],
  requests.map(([s, by, what]) => [`\`${s}\``, by, what]),
)}

## Published

${markdownTable(
  ['subject', 'what'],
  published.map(([s, what]) => [`\`${s}\``, what]),
)}

Wildcards: ${Object.values(SubjectFilter)
    .map((f) => `\`${f}\``)
    .join(', ')}.

## Streams (JetStream, file storage)

${markdownTable(['stream', 'subjects', 'purpose'], streams)}

Stream names: ${Object.values(StreamName)
    .map((n) => `\`${n}\``)
    .join(', ')}.

## KV buckets

${markdownTable(['bucket', 'purpose'], buckets)}

Service-owned: \`${RECONCILER_BUCKET}\` — the reconciler's action journal and last pass (created by
the reconciler; no other role may read or write it).

## Inboxes

| prefix | what |
| --- | --- |
| \`_INBOX.>\` | replies to requests (every client) |
| \`${SYNC_ACK_INBOX_PREFIX}.>\` | signed quorum acks to a writing sync-gateway (its \`Fed-Ack-Inbox\`); only sync-gateways may publish or subscribe |
`;
}
