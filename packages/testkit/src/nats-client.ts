import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';

/**
 * Connects a test client to one server or a cluster (`servers` as URLs).
 *
 * Defaults suit tests: client name `fp-testkit`, a 5 s connect timeout, reconnects every 250 ms
 * (chaos tests restart servers under live clients). `options` override any of them.
 */
export function connectNats(
  servers: string | readonly string[],
  options: Omit<NodeConnectionOptions, 'servers'> = {},
): Promise<NatsConnection> {
  const list = typeof servers === 'string' ? [servers] : [...servers];
  return connect({
    name: 'fp-testkit',
    timeout: 5_000,
    reconnectTimeWait: 250,
    ...options,
    servers: list,
  });
}
