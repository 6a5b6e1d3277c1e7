import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsRole, connectBus, type Bus, type Log } from '@fedplane/messaging';
import {
  createTestDatabase,
  findFreePorts,
  startNatsCluster,
  type NatsClusterHandle,
  type TestDatabase,
} from '@fedplane/testkit';
import { startTcpProxy, viaProxy, type TcpProxy } from '../integration/sync-fixtures.js';
import { bootstrapPlane, readSecret, type NatsLogin, type PlaneFiles } from './plane-files.js';
import {
  controlSpecs,
  fleetNodes,
  nodeSpecs,
  type EnvContext,
  type FleetNode,
} from './plane-env.js';
import {
  ROOT,
  serviceProcess,
  stopAll,
  type LogLine,
  type ServiceProcess,
} from './service-process.js';

/**
 * The whole plane as OS processes, as docker-compose runs it: the real `fedplane bootstrap`
 * first (plane-files.ts), then a 3-server NATS cluster running the generated `nats.conf` (every
 * process logs in as its own least-privilege user; streams and buckets at replicas 3), one
 * Postgres database behind a TCP proxy the test can cut, 2 issuers, 2 auditors, 2 reconcilers,
 * 2 approvals, and per node a renewal-agent and a sync-gateway (started by the scenario once the
 * node is enrolled). Every process can be killed with SIGKILL and started again; logs go to a
 * temporary directory and are copied under `test/artifacts/e2e/<label>/` by {@link Plane.keepLogs} when a test fails.
 */

/** The readiness log message of each service. */
export const READY_MESSAGE: Readonly<Record<string, string>> = {
  issuer: 'issuer started',
  auditor: 'auditor started',
  reconciler: 'reconciler started',
  approvals: 'approvals ready',
  'renewal-agent': 'renewal agent ready',
  'sync-gateway': 'sync-gateway started',
};

const SILENT: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** A running plane. */
export type Plane = {
  readonly nats: NatsClusterHandle;
  readonly db: TestDatabase;
  /** The proxy every service reaches Postgres through (block it to take Postgres away). */
  readonly pgProxy: TcpProxy;
  readonly files: PlaneFiles;
  readonly nodes: readonly FleetNode[];
  readonly natsUrl: string;
  /** Approvals HTTP base URLs (one per replica). */
  readonly approvalsUrls: readonly string[];
  /** The test's own connection, as the operator (NATS user `admin`). */
  readonly bus: Bus;
  /** Every process by name (`issuer-1`, `agent-node-3`, `gateway-node-3`, …). */
  readonly processes: ReadonlyMap<string, ServiceProcess>;
  process(name: string): ServiceProcess;
  /** Environment for `fedplane` commands: NATS_URL, as `admin` (NATS_USER, NATS_PASSWORD_FILE), DATABASE_URL direct. */
  cliEnv(): Record<string, string>;
  /** Starts `names` (not running) and waits for each one's readiness line. */
  start(names: readonly string[], timeoutMs?: number): Promise<void>;
  /** SIGKILL, then start again and wait for readiness. */
  killAndRestart(name: string, timeoutMs?: number): Promise<void>;
  /** Copies the logs under `test/artifacts/e2e/<label>/`; returns that directory. */
  keepLogs(label: string): string;
  stop(): Promise<void>;
};

/** Options of {@link startPlane}. */
export type PlaneOptions = {
  readonly nodes?: number;
  /** Extra env per process name (test knobs). */
  readonly extra?: EnvContext['extra'];
  /** Run every service from this assembled runtime image (runtime-image.ts), not from source. */
  readonly image?: string;
};

/** Waits for the readiness line of `proc` written since `fromIndex`. */
export async function waitReady(
  proc: ServiceProcess,
  fromIndex: number,
  timeoutMs = 90_000,
): Promise<LogLine> {
  const message = READY_MESSAGE[proc.spec.service];
  if (message === undefined) throw new Error(`no readiness line known for ${proc.spec.service}`);
  return proc.waitForLog((line) => line['msg'] === message, { fromIndex, timeoutMs });
}

/** The real bootstrap, then the NATS cluster on its configuration, and the operator's login. */
async function bootstrapAndNats(
  root: string,
  nodes: readonly FleetNode[],
): Promise<{
  files: PlaneFiles;
  nats: NatsClusterHandle;
  admin: NatsLogin;
  adminAuth: { user: string; password: string };
}> {
  const files = await bootstrapPlane(
    root,
    nodes.map((n) => n.id),
  );
  const admin = files.natsLogin(NatsRole.admin);
  const adminAuth = { user: admin.user, password: readSecret(admin.passwordFile) };
  const nats = await startNatsCluster(3, { configFile: files.natsConfFile, auth: adminAuth });
  return { files, nats, admin, adminAuth };
}

/** Starts the infrastructure and the control plane (node processes are created, not started). */
export async function startPlane(options: PlaneOptions = {}): Promise<Plane> {
  const root = mkdtempSync(join(tmpdir(), 'fp-e2e-'));
  const logDir = join(root, 'logs');
  const nodeCount = options.nodes ?? 5;
  const ports = await findFreePorts(nodeCount + 2);
  // The NATS users are per node, so the node ids come before the bootstrap, and the bootstrap
  // (which writes the passwords nats.conf includes) before NATS.
  const nodes = fleetNodes(root, ports.slice(2), nodeCount);
  for (const node of nodes) mkdirSync(node.dir, { recursive: true, mode: 0o700 });
  const db = await createTestDatabase();
  const { files, nats, admin, adminAuth } = await bootstrapAndNats(root, nodes).catch(
    async (err: unknown) => {
      await db.drop();
      rmSync(root, { recursive: true, force: true });
      throw err;
    },
  );
  const parsedDb = new URL(db.url);
  const pgProxy = await startTcpProxy(parsedDb.hostname, Number(parsedDb.port || '5432'));
  const natsUrl = nats.urls.join(',');
  const ctx: EnvContext = {
    natsUrl,
    databaseUrl: viaProxy(db.url, pgProxy),
    files,
    nodes,
    ...(options.extra === undefined ? {} : { extra: options.extra }),
  };
  const approvalsPorts = ports.slice(0, 2);
  const specs = [
    ...controlSpecs(ctx, approvalsPorts),
    ...nodes.flatMap((n) => nodeSpecs(ctx, n)),
  ].map((spec) => (options.image === undefined ? spec : { ...spec, image: options.image }));
  const processes = new Map(specs.map((s) => [s.name, serviceProcess(s, logDir)] as const));
  const bus = await connectBus({
    servers: nats.urls,
    name: 'e2e-operator',
    log: SILENT,
    auth: adminAuth,
  });

  const process = (name: string): ServiceProcess => {
    const found = processes.get(name);
    if (found === undefined) throw new Error(`no process ${name}`);
    return found;
  };
  const start = async (names: readonly string[], timeoutMs?: number): Promise<void> => {
    await Promise.all(
      names.map((name) => {
        const proc = process(name);
        const from = proc.lines.length;
        proc.start();
        return waitReady(proc, from, timeoutMs);
      }),
    );
  };
  const plane: Plane = {
    nats,
    db,
    pgProxy,
    files,
    nodes,
    natsUrl,
    approvalsUrls: approvalsPorts.map((p) => `http://127.0.0.1:${String(p)}`),
    bus,
    processes,
    process,
    cliEnv: () => ({
      NATS_URL: natsUrl,
      NATS_USER: admin.user,
      NATS_PASSWORD_FILE: admin.passwordFile,
      DATABASE_URL: db.url,
    }),
    start,
    async killAndRestart(name, timeoutMs) {
      await process(name).kill();
      await start([name], timeoutMs);
    },
    keepLogs(label) {
      const dir = join(ROOT, 'test/artifacts/e2e', label);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      cpSync(logDir, dir, { recursive: true });
      return dir;
    },
    async stop() {
      await stopAll([...processes.values()]);
      await bus.close().catch(() => undefined);
      await pgProxy.close();
      await nats.stop();
      await db.drop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    // One issuer first (it publishes the trust bundle from the bootstrap's key), then the second
    // one and the rest of the plane (every other service attests with the issuers).
    await start(['issuer-1']);
    await start(['issuer-2', 'auditor-1', 'auditor-2']);
    await start(['reconciler-1', 'reconciler-2', 'approvals-1', 'approvals-2']);
  } catch (err) {
    plane.keepLogs('startup-failure');
    await plane.stop();
    throw err;
  }
  return plane;
}

/** The names of the control-plane processes, by kind. */
export const CONTROL_KINDS = ['issuer', 'auditor', 'reconciler', 'approvals'] as const;
