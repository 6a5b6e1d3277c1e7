/**
 * `@fedplane/runtime`: process glue every service uses (operations.md "Running", house-style
 * §2.6, §2.7, §2.10) — env config fragments, the pino logger, `/healthz` `/readyz` `/metrics`,
 * graceful shutdown and task running, leader leases in `fed-leases`, and the credential holder
 * for the service's own `svc/<service>/<instance>` identity.
 */
export {
  envRegistry,
  parseDurationMs,
  envDuration,
  envBoolean,
  envInteger,
  envPort,
  envString,
  envEnum,
  envUrlList,
  envUrl,
} from './env-fields.js';
export type { EnvFieldMeta, EnvFieldOptions } from './env-fields.js';
export {
  LOG_LEVELS,
  defaultInstanceId,
  BaseEnvSchema,
  ConfigError,
  loadConfig,
  exitOnConfigError,
  describeEnv,
  redactConfig,
  readServiceSecret,
  readNatsAuth,
} from './config.js';
export type { LogLevel, BaseEnv, ConfigResult, Env, TextSink, EnvRow, NatsAuth } from './config.js';
export { LogField } from './log-fields.js';
export { SECRET_KEYS, REDACT_PATHS, REDACTED, createLogger, silentLog } from './logger.js';
export type { Log, LoggerOptions } from './logger.js';
export { createReadiness } from './readiness.js';
export type {
  CheckResult,
  ReadinessCheck,
  FailingCheck,
  ReadinessReport,
  Readiness,
} from './readiness.js';
export { createMetrics, buildHealthApp, startHealthServer } from './health-server.js';
export type {
  MetricsOptions,
  HealthAppOptions,
  HealthServerOptions,
  HealthServer,
} from './health-server.js';
export { DEFAULT_SHUTDOWN_DEADLINE_MS, onShutdown } from './shutdown.js';
export type {
  ShutdownReason,
  ShutdownProcess,
  ShutdownOptions,
  ShutdownHandle,
} from './shutdown.js';
export { runTasks } from './run-tasks.js';
export type { Task } from './run-tasks.js';
export { systemClock, sleep } from './clock.js';
export type { Clock } from './clock.js';
export { runLeaseLoop } from './lease.js';
export type {
  LeaseWrite,
  LeaseStore,
  LeaseAcquired,
  LeaseLostReason,
  LeaseLoopOptions,
} from './lease.js';
export { natsLeaseStore } from './nats-lease-store.js';
export { generateServiceKey, writeServiceKey, loadOrCreateServiceKey } from './credential-key.js';
export type { ServiceKey } from './credential-key.js';
export { createCredentialMetrics, noCredentialMetrics } from './credential-metrics.js';
export type {
  CredentialGaugeSource,
  AttemptKind,
  AttemptResult,
  CredentialMetrics,
} from './credential-metrics.js';
export { createCredentialHolder } from './credential-holder.js';
export type { CredentialHolderOptions, CredentialHolder } from './credential-holder.js';
export type { HolderStatus } from './held-credential.js';
export type { IssuerFailure, IssuerResult, IssuerClient } from './issuer-client.js';
export { natsIssuerClient } from './nats-issuer-client.js';
export type { NatsIssuerClientOptions } from './nats-issuer-client.js';
export { SERVICE_STATUS_INTERVAL_MS, createServiceStatus } from './service-status.js';
export type { ServiceStatus, ServiceStatusOptions } from './service-status.js';
export { applySqlMigrations } from './sql-migrations.js';
export type { MigrationClient, MigrationPool, SqlMigrationSet } from './sql-migrations.js';
export { instanceStatusBody, startInstanceStatus } from './instance-status.js';
export type {
  InstanceStatus,
  InstanceStatusInput,
  InstanceStatusOptions,
} from './instance-status.js';
export { outboxStatements } from './event-outbox.js';
export type { OutboxEvent, OutboxQueryable, OutboxStatements } from './event-outbox.js';
export { createGroupCommit } from './group-commit.js';
export type { GroupCommit, GroupCommitOptions, RunBatch } from './group-commit.js';
export { guardStartup } from './startup-guard.js';
export type { StartupGuard } from './startup-guard.js';
export { createOutboxSink } from './outbox-sink.js';
export type { OutboxSink, OutboxSinkDeps, SinkEvent } from './outbox-sink.js';
