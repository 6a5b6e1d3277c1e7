import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsRole, natsUsers, renderNatsConf, renderPasswordsInclude } from '@fedplane/messaging';
import {
  connectNats,
  jetstreamManager,
  startNatsCluster,
  type NatsClusterHandle,
  type NatsConnection,
} from '@fedplane/testkit';

/**
 * `startNatsCluster` with the generated configuration (users, permissions, the FEDPLANE account
 * with JetStream), as the e2e plane runs it: every member reads the file, the cluster settings
 * come from the command line, the readiness check logs in as `admin`, and a replicas-3 stream
 * works for `admin` while anonymous logins are refused.
 */

const users = natsUsers({ nodes: ['test/node-a'] });
const passwords = new Map(users.map((u) => [u.key, randomBytes(18).toString('base64url')]));
const password = (role: NatsRole): string => {
  const found = users.find((u) => u.role === role);
  return passwords.get(found?.key ?? '') ?? '';
};
const admin = { user: NatsRole.admin, password: password(NatsRole.admin) };

let dir: string;
let cluster: NatsClusterHandle | undefined;
const connections: NatsConnection[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fp-clusterauth-'));
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'nats.conf'), renderNatsConf(users));
  writeFileSync(
    join(dir, 'secrets', 'nats-passwords.conf'),
    renderPasswordsInclude(users, passwords),
  );
});

afterAll(async () => {
  await Promise.allSettled(connections.map((nc) => nc.close()));
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function login(
  urls: readonly string[],
  auth: { user: string; password: string },
): Promise<NatsConnection> {
  const nc = await connectNats(urls, { user: auth.user, pass: auth.password });
  connections.push(nc);
  return nc;
}

describe('startNatsCluster with a configuration file', () => {
  it('starts 3 members on nats.conf and admin creates a replicas-3 stream', async () => {
    cluster = await startNatsCluster(3, { configFile: join(dir, 'nats.conf'), auth: admin });
    const jsm = await jetstreamManager(await login(cluster.urls, admin));
    const info = await jsm.streams.add({
      name: 'TK_AUTH_R3',
      subjects: ['tk.auth.r3'],
      num_replicas: 3,
    });
    expect(info.config.num_replicas).toBe(3);
    expect(info.cluster?.replicas ?? []).toHaveLength(2);
  });

  it('refuses a login without credentials, and a member restarts on the same file', async () => {
    const live = cluster;
    if (live === undefined) throw new Error('the cluster did not start');
    await expect(connectNats(live.urls, { reconnect: false })).rejects.toThrow(/authorization/i);
    await live.servers[0]?.restart();
    const issuer = { user: NatsRole.issuer, password: password(NatsRole.issuer) };
    const nc = await login([live.servers[0]?.url ?? ''], issuer);
    expect(nc.isClosed()).toBe(false);
    await expect(
      connectNats([live.servers[0]?.url ?? ''], { user: NatsRole.issuer, pass: 'wrong-password' }),
    ).rejects.toThrow(/authorization/i);
  });

  it('its readiness check fails fast without the right login', async () => {
    await expect(
      startNatsCluster(3, {
        configFile: join(dir, 'nats.conf'),
        auth: { user: NatsRole.admin, password: 'not-the-password' },
      }),
    ).rejects.toThrow(/authorization/i);
  });
});
