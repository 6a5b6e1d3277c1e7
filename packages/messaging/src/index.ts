/**
 * `@fedplane/messaging`: the NATS adapter of fedplane (bus.md) — subjects, header names,
 * stream/KV/consumer declarations and their idempotent ensure, signed publish and
 * verify-on-receive, the live trust bundle, service endpoints and the client request, KV CAS,
 * and the connection with status logging.
 */
export {
  SUBJECT_ROOT,
  FixedSubject,
  SubjectFilter,
  SYNC_ACK_INBOX_PREFIX,
  AgentVerb,
  SyncVerb,
  isEventTypeName,
  isServiceNameToken,
  agentSubject,
  agentRenewSubject,
  agentStatusSubject,
  agentFilter,
  syncRequestSubject,
  syncPushSubject,
  syncSinceSubject,
  syncRecordSubject,
  syncDlqSubject,
  nodeStatusSubject,
  serviceStatusSubject,
  eventSubject,
  eventTypeFilters,
  eventAreaFilter,
  parseNodeStatusSubject,
  parseSyncRecordSubject,
  parseSyncDlqSubject,
  parseServiceStatusSubject,
  parseAgentSubject,
  parseSyncRequestSubject,
  parseEventSubject,
} from './subjects.js';
export type { SubjectParseError, SubjectParse, EventSubjectParts } from './subjects.js';
export { FedHeader } from './headers.js';
export {
  StreamName,
  BucketName,
  RECONCILER_BUCKET,
  KvKey,
  DEFAULT_EVENTS_MAX_AGE_MS,
  DEFAULT_SYNC_MAX_AGE_MS,
  DUPLICATE_WINDOW_MS,
  fedStreams,
  SYNC_STREAMS,
  syncStreams,
  fedBuckets,
  ConsumerStart,
  AUDITOR_CONSUMER,
  SYNC_BACKOFF_MS,
  SYNC_MAX_DELIVER,
  auditorConsumer,
  syncConsumer,
} from './streams.js';
export type {
  StreamDeclaration,
  FedStreamOptions,
  KvDeclaration,
  ConsumerDeclaration,
} from './streams.js';
export type { Log } from './log.js';
export { SILENT_LOG } from './log.js';
export { ensureStreams, ensureKv, ensureConsumer } from './ensure.js';
export type { EnsureAction, EnsureReport, EnsureOptions } from './ensure.js';
export {
  toStreamConfig,
  toConsumerConfig,
  toKvStreamFields,
  kvStreamName,
  diffStreamConfig,
  diffConsumerConfig,
} from './stream-config.js';
export type { WantedStream, ConfigDiff } from './stream-config.js';
export { logNatsStatus, connectBus } from './connect.js';
export type { BusOptions, Bus } from './connect.js';
export { isIssuerSigner, seedCredentialSigner, seedIssuerSigner } from './signer.js';
export type {
  CredentialSigner,
  IssuerSigner,
  Signer,
  SeedCredentialSignerInput,
} from './signer.js';
export { newEventStamp, buildEvent } from './event.js';
export type { EventInput, EventStamp } from './event.js';
export { signedHeaders, publishEvent, publishSigned } from './signed-publish.js';
export type { PublishOptions, PublishedEvent, SignedPublish } from './signed-publish.js';
export { signKvEnvelope, verifyKvEnvelope } from './kv-envelope.js';
export type { KvEnvelopeError, KvEnvelopeVerification } from './kv-envelope.js';
export { signedHeaderValues, verifySignedMessage, verifyEventMessage } from './verify.js';
export type { SignedMessageInput } from './verify.js';
export type {
  AttestationReason,
  EventAttestation,
  MessageAttestation,
  SignedHeaders,
} from '@fedplane/core';
export { watchTrustBundle } from './trust-watch.js';
export type { TrustWatchOptions, TrustWatch } from './trust-watch.js';
export {
  SERVICE_QUEUE,
  DEFAULT_MAX_REQUEST_BYTES,
  defineEndpoint,
  respondWithError,
  addServiceEndpoints,
} from './endpoints.js';
export type { EndpointContext, EndpointDefinition, ServiceDefinition } from './endpoints.js';
export { DEFAULT_REQUEST_TIMEOUT_MS, errorFromReply, request } from './request.js';
export type { RequestOptions } from './request.js';
export { getEntry, createIfAbsent, updateIfRevision, deleteIfRevision } from './kv-cas.js';
export type { CasResult } from './kv-cas.js';
export { schemaIssues } from './schema.js';
export {
  POSTURE_SIGNER_PREFIX,
  verifyPostureValue,
  watchPosture,
  writePosture,
} from './posture.js';
export type {
  PostureView,
  PostureWatchOptions,
  PostureWatch,
  PostureRefusal,
  PostureVerification,
  WritePostureInput,
} from './posture.js';
export type { ParseSchema } from './schema.js';
export {
  JS_API_PREFIX,
  JS_ACCOUNT_INFO,
  kvKeyPrefix,
  streamEnsureSubjects,
  streamReadSubjects,
  durableConsumerSubjects,
  durableDenySubjects,
  kvEnsureSubjects,
  kvReadSubjects,
  kvWriteSubjects,
} from './permissions-js.js';
export {
  NatsRole,
  NODE_ROLES,
  serviceControlSubjects,
  eventPublishSubjects,
  rolePermissions,
} from './permissions.js';
export type { SubjectPermission, RolePermissions } from './permissions.js';
export {
  NATS_ACCOUNT,
  DEFAULT_PASSWORDS_INCLUDE,
  passwordVariable,
  natsUsers,
  renderNatsConf,
  renderPasswordsInclude,
  userManifest,
} from './permissions-conf.js';
export type {
  AgentGroup,
  NatsDeployment,
  NatsUser,
  NatsConfOptions,
  NatsUserManifestEntry,
} from './permissions-conf.js';
