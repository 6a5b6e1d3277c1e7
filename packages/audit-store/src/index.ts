/**
 * `@fedplane/audit-store`: the Postgres audit hash chain (design/audit.md) — numbered
 * migrations applied under an advisory lock, an append-only `audit_events` table, batch append
 * in one locked transaction, streaming verification in bounded memory, and signed checkpoints.
 */
export { createPgAuditStore, type AuditStore } from './audit-store.js';
export {
  APPEND_LOCK_KEY,
  appendEvents,
  type AppendOptions,
  type AppendResult,
  type AppendedEvent,
} from './append-events.js';
export {
  newAuditEventProblem,
  type NewAuditEvent,
  type AuditEventIssue,
  type AuditEventProblem,
} from './audit-event.js';
export { EMPTY_AUDIT_HEAD, type AuditHead } from './audit-head.js';
export {
  AUDITOR_ROLE,
  ensureAuditorRole,
  type AuditorRoleOptions,
  type AuditorRoleOutcome,
} from './auditor-role.js';
export {
  checkpointAt,
  getHead,
  latestCheckpoint,
  recordCheckpoint,
  type CheckpointRecord,
  type RecordCheckpointResult,
  type StoredCheckpoint,
} from './checkpoints.js';
export type { Log } from './log.js';
export {
  MIGRATE_LOCK_KEY,
  MIGRATIONS_DIR,
  migrate,
  readMigrations,
  type MigrateOptions,
  type MigrateResult,
  type MigrationFile,
} from './migrate.js';
export type { Connectable, Queryable } from './queryable.js';
export {
  READ_EVENTS_MAX_LIMIT,
  eventIdsPresent,
  readEvents,
  type ReadEventsQuery,
  type StoredAuditEvent,
} from './read-events.js';
export { ISSUER_SIGNER_PREFIX, signerPublicKey, type SignerKeyResolver } from './signer-key.js';
export {
  DEFAULT_VERIFY_PAGE_SIZE,
  verifyStoredChain,
  type VerifyProgress,
  type VerifyStoredChainOptions,
  type VerifyStoredChainResult,
} from './verify-chain.js';
