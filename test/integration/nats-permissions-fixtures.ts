import { Empty, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { SILENT_LOG, connectBus, type Bus } from '@fedplane/messaging';

/** Probes for `nats-permissions.int.test.ts`: what a connected user may publish and subscribe. */

const PROBE_TIMEOUT_MS = 5_000;

function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  let current: unknown = err;
  while (current instanceof Error && out.length < 5) {
    out.push(current);
    current = current.cause;
  }
  return out;
}

const named = (err: unknown, name: string): boolean =>
  chain(err).some((e) => e instanceof Error && e.name === name);

/**
 * `denied` when the server refuses the publish (a permissions violation fails the request),
 * `allowed` when it routed it (a reply, or "no responders" because nobody serves it).
 */
export async function probePublish(
  nc: NatsConnection,
  subject: string,
): Promise<'allowed' | 'denied'> {
  try {
    await nc.request(subject, Empty, { timeout: PROBE_TIMEOUT_MS });
    return 'allowed';
  } catch (err) {
    if (named(err, 'PermissionViolationError')) return 'denied';
    // nats-core names the class NoRespondersError but sets `name` to 'NoResponders'.
    if (named(err, 'NoResponders') || named(err, 'NoRespondersError')) return 'allowed';
    throw err;
  }
}

/**
 * `denied` when the server refused the subscription (it answers the SUB with a permissions error
 * before the PONG of the flush, and the client closes the subscription), else `allowed`.
 */
export async function probeSubscribe(
  nc: NatsConnection,
  subject: string,
): Promise<'allowed' | 'denied'> {
  const sub = nc.subscribe(subject);
  await nc.flush();
  if (sub.isClosed()) return 'denied';
  sub.unsubscribe();
  return 'allowed';
}

/** Connects as `user` the way services do (messaging `connectBus` with `auth`). */
export function connectAs(url: string, user: string, password: string): Promise<Bus> {
  return connectBus({
    servers: url,
    name: `perm-test/${user}`,
    log: SILENT_LOG,
    auth: { user, password },
  });
}

/** True when the server refuses the login (authorization violation). */
export async function refusedLogin(
  url: string,
  auth: { readonly user: string; readonly password: string } | undefined,
): Promise<boolean> {
  try {
    const nc = await connect({
      servers: url,
      reconnect: false,
      timeout: PROBE_TIMEOUT_MS,
      ...(auth === undefined ? {} : { user: auth.user, pass: auth.password }),
    });
    await nc.close();
    return false;
  } catch (err) {
    return /authorization/i.test(chain(err).map(String).join(' '));
  }
}
