/**
 * @fedplane/core — the pure decision core: credentials, trust bundle, inventory, reconcile,
 * renewal planning, sync order and validation, subject tokens, HMAC, audit chain, errors and
 * wire schemas. No I/O, no clock, no randomness: every input is an argument.
 */
export { AGENT_ID_MAX_BYTES, RESERVED_AGENT_IDS, checkAgentId, isAgentId } from './agent-id.js';
export type { AgentIdProblem, AgentIdCheck } from './agent-id.js';
export {
  AUDIT_ENTRY_DOMAIN,
  AUDIT_HASH_BYTES,
  GENESIS_PREV_HASH,
  AttestLevel,
  SIGNED_ATTEST_LEVELS,
  bodyHash,
  toSeq,
  isEncodableEntry,
  entryPreimage,
  entryHash,
  chainRows,
} from './audit-chain.js';
export type { EntryFields, ChainEvent, ChainRow, ChainHead } from './audit-chain.js';
export {
  AUDIT_LOG_NAME,
  checkpointBytes,
  signCheckpoint,
  parseCheckpoint,
  verifyCheckpoint,
} from './audit-checkpoint.js';
export type {
  AuditCheckpoint,
  CheckpointProblem,
  CheckpointParse,
  CheckpointVerification,
  SignedCheckpoint,
} from './audit-checkpoint.js';
export {
  createChainVerification,
  stepChainVerification,
  finishChainVerification,
  verifyChainRows,
} from './audit-verify.js';
export type {
  StoredChainRow,
  ChainCheckpointRef,
  ChainVerificationOptions,
  ChainVerificationState,
  ChainVerificationReport,
} from './audit-verify.js';
export {
  toHex,
  fromHex,
  toBase64,
  fromBase64,
  utf8,
  fromUtf8,
  concatBytes,
  bytesEqual,
} from './bytes.js';
export { cborMap, encodeCbor } from './cbor-encode.js';
export type { CborWritable, CborWritableMap } from './cbor-encode.js';
export { CBOR_MAX_DEPTH, decodeCbor } from './cbor.js';
export type { CborItem, CborMapEntry, CborErrorTag, CborError, CborDecodeResult } from './cbor.js';
export {
  CHAIN_HEADER,
  DEFAULT_MAX_CHAIN_DEPTH,
  CA_MARKER_SUFFIX,
  encodeChain,
  decodeChain,
  decodeChainFile,
  delegatedNamespace,
  isWithinNamespace,
  verifyDecodedChain,
  verifyChain,
  verifyIdentity,
} from './chain.js';
export type {
  ChainLinkError,
  ChainVerifyError,
  IdentityVerifyError,
  DecodedChainInput,
  ChainInput,
  ChainVerifier,
} from './chain.js';
export { createChainMemo } from './chain-memo.js';
export type { ChainMemoOptions } from './chain-memo.js';
export { recordOrderKey, compareRecords, conflictWinner } from './conflict.js';
export type { RecordOrderKey, RecordOrderKeyResult, ConflictWinner } from './conflict.js';
export { acceptIssued } from './credential-accept.js';
export type {
  HeldCredentialPair,
  IssuedReply,
  AcceptInput,
  AcceptError,
  AcceptOutcome,
} from './credential-accept.js';
export {
  ISSUER_CLOCK_SKEW_S,
  DEFAULT_LEAF_TTL_S,
  DEFAULT_INTERMEDIATE_TTL_S,
  issueCredential,
} from './credential-issue.js';
export type { IssueInput, IssuedCredential, IssueError, IssueResult } from './credential-issue.js';
export { verifyAgainstKey, verifyWithBundle, verifyCredentialHeader } from './credential-verify.js';
export type { VerifierBundle, CredentialVerifyError, VerifyResult } from './credential-verify.js';
export {
  CRED_VERSION,
  CREDENTIAL_PREFIX,
  CREDENTIAL_HEADER,
  encodeClaims,
  encodeEnvelope,
  formatCredentialHeader,
  credentialId,
  decodeCredential,
  decodeCredentialFile,
  decodeEnvelope,
  decodeClaims,
  claimsEqual,
} from './credential.js';
export type {
  Claims,
  DecodedCredential,
  CredentialDecodeError,
  CredentialDecodeResult,
} from './credential.js';
export { sha256, sha256Hex, hmacSha256, constantTimeEqual } from './digest.js';
export { parseDuration, formatDuration } from './duration.js';
export type { DurationParse } from './duration.js';
export { isEd25519Point } from './ed25519-point.js';
export { rejectedBySodium } from './ed25519-strict.js';
export {
  ED25519_SEED_BYTES,
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  publicKeyFromSeed,
  signEd25519,
  verifyEd25519,
  isValidPublicKey,
  ed25519Backend,
} from './ed25519.js';
export {
  ErrorCode,
  ERROR_CODES,
  NATS_ERROR_CODE,
  HTTP_STATUS,
  ERROR_MEANING,
  isErrorCode,
  errorCodeFromNats,
  AppError,
  errorBody,
  toWireError,
} from './errors.js';
export type { ErrorBody } from './errors.js';
export {
  APPROVAL_SIGNATURE_PREFIX,
  APPROVAL_WINDOW_PAST_S,
  APPROVAL_WINDOW_FUTURE_S,
  APPROVAL_REPLAY_TTL_S,
  hmacKey,
  hmacCanonical,
  signApproval,
  verifyApproval,
  approvalReplayKey,
} from './hmac.js';
export type {
  ApprovalAuthReason,
  ApprovalAuth,
  SignApprovalInput,
  VerifyApprovalInput,
} from './hmac.js';
export {
  Attestor,
  InventoryErrorTag,
  INVENTORY_MAX_ALIAS_COUNT,
  parseInventoryYaml,
} from './inventory-parse.js';
export type {
  DurationField,
  InventoryError,
  RawInventory,
  RawInventoryParse,
} from './inventory-parse.js';
export { validateRawInventory } from './inventory-validate.js';
export type {
  InventoryNode,
  InventoryRegion,
  Inventory,
  InventoryValidation,
} from './inventory-validate.js';
export { validateInventoryAll, parseInventory, desiredFromInventory } from './inventory.js';
export type { InventoryParse, InventoryCheck } from './inventory.js';
export { parseJsonText } from './json-text.js';
export type { JsonTextParse } from './json-text.js';
export {
  decideLease,
  defaultLeaseMarginMs,
  leaseDeadlineMs,
  checkLeaseTiming,
  leaseValue,
  toLeaseRecord,
} from './lease.js';
export type { LeaseRecord, LeaseDecision, LeaseTimingError } from './lease.js';
export { attestMessage, attestEvent } from './message-attestation.js';
export type {
  SignedHeaders,
  AttestationReason,
  MessageAttestation,
  AttestationInput,
  EventAttestation,
} from './message-attestation.js';
export {
  NONCE_TTL_MS,
  NONCE_WINDOW_MS,
  pushSignedBytes,
  getSignedBytes,
  signMessage,
  verifyMessageSignature,
  checkNonce,
  nonceFingerprint,
} from './message-signature.js';
export type {
  MessageSignatureTag,
  MessageSignatureCheck,
  NonceTag,
  NonceCheckInput,
  NonceCheck,
} from './message-signature.js';
export {
  isValidNamespaceGlob,
  namespaceMatches,
  namespaceAllowed,
  peerNamespaceAllowed,
  senderAllowed,
  parsePeerScopes,
} from './peer-scope.js';
export type { PeerScope, PeerScopes, PeerScopeIssue, PeerScopesParse } from './peer-scope.js';
export { DEFAULT_SHRINK_GUARD, evaluateShrinkGuard } from './reconcile-guards.js';
export type { ShrinkGuardInput, ShrinkGuardVerdict } from './reconcile-guards.js';
export {
  ReconcileActionKind,
  ReconcileGuardKind,
  presentCount,
  reconcile,
  modelEvidence,
  applyPlanEffects,
} from './reconcile.js';
export type {
  DesiredState,
  NodeEvidence,
  ObservedNode,
  ObservedState,
  PreviousPass,
  ReconcileOptions,
  StrictEvidence,
  ReconcileAction,
  ReconcileGuard,
  ReconcilePlan,
} from './reconcile.js';
export {
  MEMORY_SOURCES,
  MEMORY_TIERS,
  RecordLimits,
  utf8Length,
  isCleanText,
  addIssue,
  asString,
  checkMemoryId,
  namespaceProblem,
  checkNamespace,
  checkTitle,
  checkContent,
  checkSource,
  checkTier,
  checkTags,
  checkInteger,
  checkConfidence,
  checkTimestamp,
  jsonDepth,
  checkMetadata,
} from './record-fields.js';
export type { RecordIssue, IssuePath } from './record-fields.js';
export { checkSourceUri, checkSpan, checkCitations } from './record-provenance.js';
export {
  MAX_RECORDS_PER_BATCH,
  REQUIRED_MEMORY_FIELDS,
  AI_MEMORY_REQUIRED_FIELDS,
  validateSyncRecord,
  validateSyncRecords,
  validateNamespace,
  SyncRecordSchema,
} from './record.js';
export type {
  SyncMemory,
  SyncTombstone,
  ValidatedRecord,
  RecordValidationOptions,
  RecordValidation,
  RecordBatchValidation,
  NamespaceValidation,
} from './record.js';
export {
  RENEW_POP_CONTEXT,
  isValidRenewNonce,
  renewPopMessage,
  signRenewPop,
  verifyRenewPop,
} from './renew-pop.js';
export type { RenewPopInput, RenewPopError } from './renew-pop.js';
export {
  DEFAULT_RENEWAL_BACKOFF,
  RENEWAL_MIN_DELAY_S,
  halfLifeFraction,
  renewalDueAt,
  renewalBackoffS,
  planRenewal,
} from './renewal-plan.js';
export type { HeldCredential, RenewalPolicy, RenewalDecision } from './renewal-plan.js';
export { renewalView } from './renewal-view.js';
export type { AttemptRecord } from './renewal-view.js';
export { parseRfc3339, isRfc3339 } from './rfc3339.js';
export type { Rfc3339Problem, Rfc3339Parse } from './rfc3339.js';
export {
  ED25519_HEADER_PREFIX,
  formatEd25519Header,
  parseEd25519Header,
} from './signature-header.js';
export type { SignatureHeaderError, SignatureHeaderParse } from './signature-header.js';
export {
  DURABLE_HASH_HEX_CHARS,
  percentEncode,
  subjectToken,
  decodeToken,
  durableName,
} from './subject-token.js';
export type {
  SubjectTokenReason,
  SubjectTokenError,
  SubjectTokenResult,
  DecodeTokenResult,
} from './subject-token.js';
export {
  ACTIVATION_REFRESH_MULTIPLE,
  createTrustBundle,
  addNextKey,
  nextActivationAtMs,
  canActivateNext,
  activateNext,
  removeRetiredKey,
  signingKeyId,
  isNewerBundle,
} from './trust-bundle-rotation.js';
export type { RotationError, RotationResult, NewIssuerKey } from './trust-bundle-rotation.js';
export {
  TrustKeyState,
  isValidIssuerId,
  TrustBundleSchema,
  parseTrustBundle,
  toVerifierBundle,
  bundleDirectoryFiles,
  bundleFromDirectoryFiles,
} from './trust-bundle.js';
export type {
  TrustKey,
  TrustBundle,
  TrustBundleParse,
  BundleFile,
  SkippedBundleFile,
} from './trust-bundle.js';
export { UUID_V7_RANDOM_BYTES, UUID_V7_MAX_MS, uuidV7 } from './uuid-v7.js';
export {
  ACTION_TYPES,
  ActionTypeSchema,
  APPROVAL_PAYLOAD_MAX_BYTES,
  MAX_APPROVAL_TIMEOUT_S,
  MAX_APPROVAL_QUORUM,
  PENDING_PAGE_DEFAULT,
  PENDING_PAGE_MAX,
  PendingIdSchema,
  RuleIdSchema,
  DecisionSchema,
  RememberSchema,
  PendingStatusSchema,
  ApproversSchema,
  ApprovalRequestSchema,
  ApprovalRequestReplySchema,
  ApprovalGetRequestSchema,
  ApprovalVoteSchema,
  PendingActionViewSchema,
  ApprovalGetReplySchema,
  PendingListQuerySchema,
  PendingListReplySchema,
  DecisionBodySchema,
  ApprovedResponseSchema,
  QuorumPendingResponseSchema,
  DeniedResponseSchema,
  DecisionResponseSchema,
  RuleViewSchema,
  RuleListReplySchema,
  ApprovalRequestedFrameSchema,
  ApprovalDecidedFrameSchema,
  LaggedFrameSchema,
  SseErrorFrameSchema,
} from './schemas/approvals.js';
export type {
  ActionType,
  Decision,
  Remember,
  PendingStatus,
  Approvers,
  ApprovalRequest,
  ApprovalRequestReply,
  ApprovalGetRequest,
  PendingActionView,
  PendingListQuery,
  PendingListReply,
  DecisionBody,
  DecisionResponse,
  RuleView,
  RuleListReply,
  ApprovalRequestedFrame,
  ApprovalDecidedFrame,
} from './schemas/approvals.js';
export {
  MAX_LISTED_SIGNATURE_FAILURES,
  CheckpointSchema,
  SignedCheckpointSchema,
  AuditHeadRequestSchema,
  AuditHeadReplySchema,
  AuditVerifyRequestSchema,
  AuditVerifyReplySchema,
} from './schemas/audit.js';
export type {
  Checkpoint,
  SignedCheckpointEnvelope,
  AuditHeadReply,
  AuditVerifyRequest,
  AuditVerifyReply,
} from './schemas/audit.js';
export {
  SIGNED_BODY_MAX_CHARS,
  SignedEnvelopeSchema,
  parseEnvelopeBody,
} from './schemas/envelope.js';
export type { SignedEnvelope, EnvelopeBodyError, EnvelopeBodyParse } from './schemas/envelope.js';
export {
  EVENT_MAX_BYTES,
  EventTypeNameSchema,
  EventEnvelopeSchema,
  parseEvent,
} from './schemas/event.js';
export type { EventEnvelope, EventParseError, EventParse } from './schemas/event.js';
export {
  ApprovalRequestedDataSchema,
  ApprovalDecidedDataSchema,
  ApprovalExpiredDataSchema,
  ApprovalRuleRecordedDataSchema,
  ApprovalRuleDeletedDataSchema,
} from './schemas/events-approvals.js';
export {
  SUBJECT_KINDS,
  EVENT_TYPES,
  isEventType,
  parseEventData,
  parseEventDataAs,
  parseCatalogedEvent,
} from './schemas/events-catalog.js';
export type {
  SubjectKind,
  EventSpec,
  EventType,
  EventDataOf,
  EventDataError,
  EventDataParse,
  CatalogedEventParse,
} from './schemas/events-catalog.js';
export { EVENT_EXAMPLES } from './schemas/events-examples.js';
export {
  MAX_EVENT_LIST,
  ActionCountsSchema,
  ReconcilePlannedDataSchema,
  ReconcileActionAppliedDataSchema,
  ReconcileActionFailedDataSchema,
  ReconcileGuardedDataSchema,
  EnforcementChangedDataSchema,
  SyncQuorumMissedDataSchema,
  SyncDlqAddedDataSchema,
  SyncDlqReplayedDataSchema,
  SyncSnapshotCompletedDataSchema,
  AuditRejectedEventDataSchema,
} from './schemas/events-fleet.js';
export {
  CredentialIssuedDataSchema,
  CredentialRenewedDataSchema,
  CredentialDeniedDataSchema,
  CredentialReuseDetectedDataSchema,
  NodeEnrolledDataSchema,
  NodeRevokedDataSchema,
  IssuerKeyRotatedDataSchema,
  CredentialRenewalFailedDataSchema,
  CredentialExpiringDataSchema,
  CredentialExpiredDataSchema,
} from './schemas/events-identity.js';
export {
  MAX_CREDENTIAL_TTL_S,
  JoinTokenSchema,
  EnrollRequestSchema,
  EnrollReplySchema,
  AttestationSchema,
  AttestRequestSchema,
  CredentialReplySchema,
  RenewRequestSchema,
  RevokeRequestSchema,
  RevokeReplySchema,
  IntermediateRequestSchema,
  BundleRequestSchema,
  BundleReplySchema,
  RotateRequestSchema,
  RotateReplySchema,
} from './schemas/issuer.js';
export type {
  EnrollRequest,
  EnrollReply,
  Attestation,
  AttestRequest,
  CredentialReply,
  RenewRequest,
  RevokeRequest,
  RevokeReply,
  IntermediateRequest,
  BundleRequest,
  BundleReply,
  RotateRequest,
  RotateReply,
} from './schemas/issuer.js';
export {
  TEXT_MAX_CHARS,
  CREDENTIAL_MAX_CHARS,
  MAX_LISTED_ISSUES,
  JSON_MAX_DEPTH,
  boundedText,
  AgentIdSchema,
  WireAgentIdSchema,
  Rfc3339MsSchema,
  Rfc3339Schema,
  UnixSecondsSchema,
  CountSchema,
  Base64Key32Schema,
  base64Text,
  V1CredentialSchema,
  Ed25519HeaderSchema,
  Hex32Schema,
  UlidSchema,
  UuidV7Schema,
  EventIdSchema,
  ObjectIdSchema,
  CauseSchema,
  TagSchema,
  TrustDomainSchema,
  RegionNameSchema,
  SERVICE_NAMES,
  ServiceNameSchema,
  NonceSchema,
  isNamespace,
  NamespaceSchema,
  queryInt,
  CursorSchema,
  ErrorCodeSchema,
  ErrorBodySchema,
  jsonByteLength,
  boundedJsonObject,
  toSchemaIssues,
  parseSchema,
} from './schemas/primitives.js';
export type {
  AgentId,
  Rfc3339Ms,
  ServiceName,
  ErrorBodyWire,
  SchemaIssue,
  SchemaParse,
} from './schemas/primitives.js';
export {
  MAX_PLAN_ACTIONS,
  MAX_LISTED_UNVERIFIED,
  PLAN_ACTION_KINDS,
  PlanActionKindSchema,
  PlanActionSchema,
  ActionRefSchema,
  GUARD_KINDS,
  GuardRefSchema,
  GuardSchema,
  UnverifiedStatusSchema,
  ObservationSummarySchema,
  PlanRequestSchema,
  PlanReplySchema,
} from './schemas/reconciler.js';
export type {
  PlanActionKind,
  PlanAction,
  ActionRef,
  GuardKind,
  GuardRef,
  Guard,
  ObservationSummary,
  PlanRequest,
  PlanReply,
} from './schemas/reconciler.js';
export {
  MAX_EVIDENCE_ITEMS,
  INVENTORY_YAML_MAX_CHARS,
  NodeStatusSchema,
  EvidenceItemSchema,
  PostureSchema,
  InventoryKvValueSchema,
  LeaseSchema,
  AgentRenewRequestSchema,
  AgentRenewReplySchema,
  AgentStatusRequestSchema,
  AgentStatusReplySchema,
} from './schemas/status.js';
export type {
  NodeStatus,
  EvidenceItem,
  Posture,
  InventoryKvValue,
  Lease,
  AgentRenewRequest,
  AgentRenewReply,
  AgentStatusRequest,
  AgentStatusReply,
} from './schemas/status.js';
export {
  SYNC_MAX_PER_COLLECTION,
  SINCE_LIMIT_DEFAULT,
  SINCE_LIMIT_MAX,
  DLQ_RECORD_MAX_CHARS,
  MAX_PEERS,
  CarriedRecordSchema,
  VectorClockSchema,
  SyncPushBodySchema,
  QuorumReportSchema,
  SyncPushReportSchema,
  QuorumNotMetBodySchema,
  SinceQuerySchema,
  SinceResponseSchema,
  DlqClassSchema,
  DlqEntrySchema,
  DlqReplayPayloadSchema,
  QuorumAckSchema,
} from './schemas/sync.js';
export type {
  CarriedRecord,
  SyncPushBody,
  QuorumReport,
  SyncPushReport,
  QuorumNotMetBody,
  SinceQuery,
  SinceResponse,
  DlqClass,
  DlqEntry,
  DlqReplayPayload,
  QuorumAck,
} from './schemas/sync.js';
