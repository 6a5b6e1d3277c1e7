import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FixedSubject, SILENT_LOG, connectBus, type Bus } from '@fedplane/messaging';
import { bootstrapPlane } from './bootstrap.js';
import { DEMO_NODES } from './demo-fleet.js';
import { createFleetOperator, enrollMissing } from './fleet-operator.js';
import { NATS_MISSING_MESSAGE, findNatsBinary, launchNats } from './nats-launch.js';
import { removePidFile, reapLeftovers, writePidFile } from './pid-file.js';
import { readPlaneFile, writePlaneFile } from './plane-file.js';
import { planeRecord } from './plane-record.js';
import { nodeFiles, planeHome, type PlaneHome } from './plane-home.js';
import { loadLauncherEnv } from './launcher-env.js';
import { launchPostgres } from './postgres-launch.js';
import { pickPorts } from './ports.js';
import { createScreen, type ScreenSink } from './screen.js';
import { createServiceRunner } from './service-runner.js';
import { CONTROL_PORTS, controlServices, nodeServices, type ServiceProcess } from './services.js';
import { gatherStatus } from './status-gather.js';
import { statusJson } from './status-model.js';
import { renderStatus, type StatusLinks } from './status-render.js';
import { createSupervisor, type Supervised } from './supervisor.js';

/**
 * `fedplane start`: the whole plane on one machine with no configuration (operations.md
 * "Running"). NATS and Postgres (given or started), bootstrap, every service as its own child
 * process, the demo fleet, the live status view, `plane.json`; Ctrl-C stops everything.
 */

/** What the launcher needs from the process. */
export type LauncherDeps = {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly out: ScreenSink;
  readonly tty: boolean;
  /** Terminal width, when known. */
  readonly columns?: () => number | undefined;
  readonly err: (text: string) => void;
  /** Calls `stop` on SIGINT/SIGTERM; returns the un-registration. */
  readonly onInterrupt: (stop: () => void) => () => void;
};

/** The repository root (the launcher runs the services from their sources). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const SERVICE_STOP_MS = 12_000;
const INFRA_STOP_MS = 10_000;
const REFRESH_MS = 2_000;

function recordPids(home: PlaneHome, children: readonly Supervised[]): void {
  writePidFile(
    home.pidsFile,
    children
      .filter((c) => c.pid !== undefined && c.running())
      .map((c) => ({ name: c.name, pid: c.pid ?? 0, marker: c.child.spawnargs.join(' ') })),
  );
}

async function waitForIssuer(bus: Bus, deadline: number, stopped: () => boolean): Promise<void> {
  while (!stopped()) {
    try {
      await bus.nc.request(FixedSubject.issuerBundle, '{}', { timeout: 1_000 });
      return;
    } catch {
      if (Date.now() > deadline)
        throw new Error('the issuer did not answer fed.issuer.bundle within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

function portOf(url: string | undefined): number | undefined {
  if (url === undefined || !URL.canParse(url)) return undefined;
  const port = Number(new URL(url).port);
  return port > 0 ? port : undefined;
}

/** Runs the plane until interrupted; returns the exit code. */
export async function runPlane(deps: LauncherDeps): Promise<number> {
  const parsed = loadLauncherEnv(deps.env);
  if (!parsed.ok) {
    deps.err(parsed.error.message);
    return 1;
  }
  const config = parsed.value;
  const home = planeHome(deps.env, deps.cwd);
  const natsUrlGiven = config.NATS_URL ?? '';
  const natsBinary = natsUrlGiven === '' ? findNatsBinary(deps.env) : undefined;
  if (natsUrlGiven === '' && natsBinary === undefined) {
    deps.err(NATS_MISSING_MESSAGE);
    return 1;
  }
  mkdirSync(home.root, { recursive: true });
  const previous = readPlaneFile(home.planeFile);
  const screen = createScreen({
    sink: deps.out,
    tty: deps.tty,
    minLevel: 30,
    nameWidth: 14,
    columns: deps.columns,
  });
  const reaped = await reapLeftovers(home.pidsFile, 5_000);
  if (reaped.length > 0) screen.say('stopped leftovers of an earlier start', { processes: reaped });
  const secrets = bootstrapPlane(home);
  const supervisor = createSupervisor((name, line) => screen.line(name, line));
  const runner = createServiceRunner({ supervisor, screen, home, cwd: REPO_ROOT });
  runner.onChange(() => recordPids(home, supervisor.children()));
  let stopRequested = false;
  let wake: () => void = () => undefined;
  const release = deps.onInterrupt(() => {
    if (!stopRequested)
      screen.say('stopping (Ctrl-C again is not needed; children get SIGTERM, then SIGKILL)');
    stopRequested = true;
    wake();
  });
  let bus: Bus | undefined;
  let exitCode = 0;
  const infra: Supervised[] = [];
  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    const nats =
      natsBinary === undefined
        ? { url: natsUrlGiven }
        : await launchNats({
            binary: natsBinary,
            storeDir: home.natsDir,
            logFile: join(home.logsDir, 'nats.log'),
            cwd: home.root,
            previousPort: portOf(previous?.nats_managed === true ? previous.nats_url : undefined),
            supervisor,
            timeoutMs: 20_000,
          });
    if ('process' in nats && nats.process !== undefined) infra.push(nats.process);
    recordPids(home, supervisor.children());
    screen.say(natsBinary === undefined ? 'using NATS_URL' : 'nats-server started', {
      url: nats.url,
    });
    const dbGiven = config.DATABASE_URL ?? '';
    const pg =
      dbGiven !== ''
        ? { url: dbGiven }
        : await launchPostgres({
            dataDir: home.pgDir,
            secretsDir: home.secretsDir,
            logFile: join(home.logsDir, 'postgres.log'),
            cwd: REPO_ROOT,
            previousPort: portOf(
              previous?.database_managed === true ? previous.database_url : undefined,
            ),
            supervisor,
            timeoutMs: 60_000,
          });
    if ('process' in pg && pg.process !== undefined) infra.push(pg.process);
    recordPids(home, supervisor.children());
    screen.say(dbGiven !== '' ? 'using DATABASE_URL' : 'embedded postgres started', {
      dir: home.pgDir,
    });
    bus = await connectBus({ servers: nats.url, name: 'fedplane-launcher', log: SILENT_LOG });
    const ports = await pickPorts(CONTROL_PORTS + 3 * DEMO_NODES.length);
    const ctx = {
      repoRoot: REPO_ROOT,
      home,
      secrets,
      natsUrl: nats.url,
      databaseUrl: pg.url,
      logLevel: config.FEDPLANE_LOG_LEVEL,
    };
    for (const service of controlServices(ctx, ports.slice(0, CONTROL_PORTS)))
      runner.start(service);
    await waitForIssuer(bus, deadline, () => stopRequested);
    const activeBus = bus;
    if (!stopRequested) await enrollMissing({ bus: activeBus, home, screen }, Date.now() / 1000);
    // Agents now; each gateway once its node holds a credential (it acts as the node).
    const waitingGateways: ServiceProcess[] = [];
    DEMO_NODES.forEach((node, i) => {
      const base = CONTROL_PORTS + 3 * i;
      const trio = [ports[base] ?? 0, ports[base + 1] ?? 0, ports[base + 2] ?? 0] as const;
      const peers = DEMO_NODES.map((n) => n.id);
      for (const s of nodeServices(ctx, { ...node, peers }, trio)) {
        if (s.service === 'sync-gateway') waitingGateways.push(s);
        else if (!stopRequested) runner.start(s);
      }
    });
    const managed = { nats: natsBinary !== undefined, pg: dbGiven === '' };
    const recordPlane = (): void =>
      writePlaneFile(
        home.planeFile,
        planeRecord({ home, natsUrl: nats.url, databaseUrl: pg.url, managed, runner, secrets }),
      );
    const startReadyGateways = (): void => {
      const ready = waitingGateways.filter((g) =>
        existsSync(nodeFiles(home, g.node ?? '').credPath),
      );
      for (const gateway of ready) {
        waitingGateways.splice(waitingGateways.indexOf(gateway), 1);
        if (!stopRequested) runner.start(gateway);
      }
      if (ready.length > 0) recordPlane();
    };
    recordPlane();
    screen.say('plane running; Ctrl-C stops it', { plane_file: home.planeFile });
    const operator = createFleetOperator(
      {
        bus: activeBus,
        home,
        screen,
        gateways: () =>
          runner
            .services()
            .filter((s) => s.service === 'sync-gateway' && s.node !== undefined)
            .map((s) => s.node ?? ''),
      },
      Date.now(),
    );
    const links = (): StatusLinks => ({
      natsUrl: nats.url,
      logsDir: home.logsDir,
      planeFile: home.planeFile,
      services: runner
        .services()
        .flatMap((s) => [
          ...(s.httpPort === undefined
            ? []
            : [{ name: `${s.name} http`, url: `http://127.0.0.1:${String(s.httpPort)}` }]),
          { name: `${s.name} health`, url: `http://127.0.0.1:${String(s.healthPort)}/readyz` },
        ]),
    });
    while (!stopRequested) {
      startReadyGateways();
      const status = await gatherStatus(activeBus, Date.now());
      await operator.step(status, Date.now()).catch((err: unknown) => {
        screen.say('operator step failed', {
          error: err instanceof Error ? err.message : String(err),
        });
      });
      screen.status(
        renderStatus(status, {
          nowMs: Date.now(),
          color: deps.tty,
          links: links(),
          compact: deps.tty,
        }),
        JSON.stringify(statusJson(status)),
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, REFRESH_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } catch (err) {
    exitCode = 1;
    screen.say('start failed', { error: err instanceof Error ? err.message : String(err) });
  } finally {
    screen.release();
    screen.say('stopping services');
    await runner.stopAll(SERVICE_STOP_MS);
    await bus?.close().catch(() => undefined);
    screen.say('stopping postgres and nats');
    for (const proc of [...infra].reverse()) await supervisor.stop([proc], INFRA_STOP_MS);
    await supervisor.stop(supervisor.children(), 1_000);
    removePidFile(home.pidsFile);
    release();
    screen.say('stopped; every child process exited', { children: supervisor.children().length });
  }
  return exitCode;
}
