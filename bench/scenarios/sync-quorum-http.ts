import { Agent, request } from 'node:http';
import { publicKeyFromSeed } from '@fedplane/core';
import { StreamName } from '@fedplane/messaging';
import {
  aiMemory,
  createSyncClient,
  testSeed,
  type PreparedRequest,
  type SyncClient,
} from '../../test/integration/sync-client.js';
import { makeNode, type SyncWorld } from '../../test/integration/sync-fixtures.js';
import { drive, percentile, type DriveResult } from '../load.js';
import {
  startCpuMeter,
  pidsMatching,
  startServiceProcess,
  type CpuRoles,
  type ServiceProcess,
} from '../processes.js';
import { round } from '../report.js';

/**
 * The N=3 sync-quorum write as deployed (`sync-quorum`'s `*_n3_http` figures): three
 * sync-gateway processes (`services/sync-gateway/src/main.ts`, configured by environment only,
 * `SYNC_QUORUM_W=2`), and clients pushing one memory per request over keep-alive HTTP exactly as
 * an ai-memory daemon does (test/integration/sync-client.ts: credential, nonce, Ed25519 signature
 * over the raw body; every request verified by the gateway). Each phase's requests are signed
 * before it starts: the daemons run elsewhere, their signing is not the plane's work. A warm-up
 * of the same shape comes first, not counted. CPU per write is read from /proc for the three
 * gateway processes, nats-server, the database's backends and this process (the HTTP clients).
 */

const DAEMON = 'region/bench/daemon-1';

/** What {@link httpQuorumRun} measured. */
export type HttpQuorumRun = DriveResult & {
  /** Requests not answered 200 (quorum met). */
  readonly missed: number;
  /** CPU µs per write by process: gateways, nats, postgres, client. */
  readonly usPerWrite: Record<string, number>;
  readonly totalUs: number;
  readonly warmup: { writes: number; p99_ms: number; quorum_missed: number };
};

function gatewayProcess(world: SyncWorld, index: number): ServiceProcess {
  const nodeId = `region/bench/gw-http-${String(index)}`;
  const node = makeNode(world, nodeId);
  return startServiceProcess('sync-gateway', {
    NATS_URL: world.nats.url,
    DATABASE_URL: world.db.url,
    FED_NODE_ID: nodeId,
    FED_KEY_PATH: node.paths.keyPath,
    FED_CRED_PATH: node.paths.credPath,
    SYNC_HTTP_PORT: '0',
    SYNC_HTTP_HOST: '127.0.0.1',
    SYNC_QUORUM_W: '2',
    SYNC_QUORUM_TIMEOUT_MS: '5000',
    SYNC_PEER_SCOPES: JSON.stringify({ [DAEMON]: { allowed_namespaces: ['team/**'] } }),
    HEALTH_PORT: '0',
    HEALTH_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    INSTANCE_ID: `bench-${String(index)}`,
  });
}

/** Sends a prepared request on `agent`; resolves with the status once the body is read. */
function send(agent: Agent, prepared: PreparedRequest): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const url = new URL(prepared.url);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: prepared.method,
        headers: prepared.headers,
        agent,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(prepared.body);
  });
}

/** Runs `warmup` then `writes` signed pushes from `concurrency` clients through 3 processes. */
export async function httpQuorumRun(
  world: SyncWorld,
  options: { writes: number; warmup: number; concurrency: number },
): Promise<HttpQuorumRun> {
  await world.bus.jsm.streams.purge(StreamName.sync);
  const gateways = [0, 1, 2].map((i) => gatewayProcess(world, i));
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  try {
    const seed = testSeed(42);
    const credential = world.issuer.issue(DAEMON, publicKeyFromSeed(seed)).header;
    const clients: SyncClient[] = [];
    for (const gateway of gateways) {
      const port = Number((await gateway.logged('sync-gateway started'))['http_port']);
      clients.push(
        createSyncClient(`http://127.0.0.1:${String(port)}`, { agentId: DAEMON, seed, credential }),
      );
    }
    let missed = 0;
    /** Signs a phase's requests (before it is timed), then returns the phase to run. */
    const prepare = (tag: string, count: number): (() => Promise<DriveResult>) => {
      const prepared = Array.from({ length: count }, (_, i) =>
        clients[i % clients.length]?.buildPush([aiMemory(`http-${tag}-${String(i)}`)]),
      );
      return () =>
        drive(count, options.concurrency, async (i) => {
          const one = prepared[i];
          if (one === undefined) return;
          if ((await send(agent, one)) !== 200) missed += 1;
        });
    };
    const warm = await prepare('warm', options.warmup)();
    const warmupMissed = missed;
    missed = 0;
    const backends = (): number[] =>
      pidsMatching(['postgres:', new URL(world.db.url).pathname.slice(1)]);
    const roles: CpuRoles = {
      gateways: gateways.map((g) => g.child.pid ?? -1),
      nats: pidsMatching(['nats-server', `-p ${new URL(world.nats.url).port}`]),
      postgres: backends(),
    };
    const measured = prepare('w', options.writes);
    const meter = startCpuMeter(roles);
    const result = await measured();
    // Backends the pools opened during the run count from zero; closed ones are left out.
    const used = meter.used({ ...roles, postgres: backends() });
    const usPerWrite: Record<string, number> = {};
    for (const role of Object.keys(used)) {
      usPerWrite[role] = round(((used[role] ?? 0) * 1000) / options.writes);
    }
    return {
      ...result,
      missed,
      usPerWrite,
      totalUs: Object.values(usPerWrite).reduce((a, b) => a + b, 0),
      warmup: {
        writes: options.warmup,
        p99_ms: round(percentile(warm.latencies, 99), 2),
        quorum_missed: warmupMissed,
      },
    };
  } finally {
    agent.destroy();
    await Promise.all(gateways.map((g) => g.stop()));
  }
}
