/**
 * Shared log field names (house-style §2.7, like spire's `telemetry/names.go`): every service
 * writes the same fact under the same key, so queries work across services.
 */
export const LogField = {
  /** Service name (logger base). */
  service: 'service',
  /** Package version (logger base). */
  version: 'version',
  /** Instance id (logger base). */
  instance: 'instance',
  /** Component inside a service (`log.child({ component })`). */
  component: 'component',
  /** The error, always under this key (pino `err` serializer). */
  err: 'err',
  /** A NATS subject. */
  subject: 'subject',
  /** A message or event id (`Nats-Msg-Id`). */
  msgId: 'msg_id',
  /** An agent id (node or service identity). */
  agentId: 'agent_id',
  /** A credential id (hex SHA-256 of the envelope). */
  credentialId: 'credential_id',
  /** A credential's `not_after` (Unix seconds). */
  notAfter: 'not_after',
  /** A lease role (key in `fed-leases`). */
  role: 'role',
  /** A lease holder. */
  holder: 'holder',
  /** A KV revision. */
  revision: 'revision',
  /** An expiry time in Unix milliseconds. */
  expiresAtMs: 'expires_at_ms',
  /** A duration in milliseconds. */
  durationMs: 'duration_ms',
  /** A delay before the next attempt, in milliseconds. */
  delayMs: 'delay_ms',
  /** Consecutive failures. */
  failures: 'failures',
  /** A reason tag (`credential_expired`, `deadline`, ...). */
  reason: 'reason',
  /** A POSIX signal name. */
  signal: 'signal',
  /** A TCP port. */
  port: 'port',
  /** A request id. */
  requestId: 'req_id',
} as const;
/** A shared log field name. */
export type LogField = (typeof LogField)[keyof typeof LogField];
