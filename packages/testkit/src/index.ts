/**
 * `@fedplane/testkit`: real NATS (spawned `nats-server` with JetStream, or `NATS_URL`), a 3-server
 * NATS cluster for chaos tests, a fresh Postgres database per suite, and a fake clock.
 */
export { createFakeClock, systemClock, type Clock, type FakeClock } from './fake-clock.js';
export { findFreePort, findFreePorts } from './free-port.js';
export {
  DEFAULT_NATS_BIN,
  NATS_INSTALL_HINT,
  findNatsServerBinary,
  type NatsBinaryLookup,
  type NatsEnv,
} from './nats-binary.js';
export { connectNats } from './nats-client.js';
export {
  startNatsCluster,
  type NatsClusterHandle,
  type NatsClusterOptions,
} from './nats-cluster.js';
export { NatsStartError } from './nats-process.js';
export {
  startNatsServer,
  type NatsClusterMembership,
  type NatsServerHandle,
  type NatsServerOptions,
} from './nats-server.js';
export {
  DEFAULT_DATABASE_URL,
  createTestDatabase,
  withPool,
  type PostgresEnv,
  type TestDatabase,
  type TestDatabaseOptions,
} from './postgres.js';
export { trackedChildCount } from './process-registry.js';
export { jetstream, jetstreamManager } from '@nats-io/jetstream';
export type { NatsConnection } from '@nats-io/transport-node';
export {
  TEST_SERVICE_SECRET,
  startTestIssuer,
  type TestIssuer,
  type TestIssuerCounts,
  type TestIssuerOptions,
} from './test-issuer.js';
