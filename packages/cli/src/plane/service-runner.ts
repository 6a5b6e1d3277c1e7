import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlaneHome } from './plane-home.js';
import type { Screen } from './screen.js';
import type { ServiceProcess } from './services.js';
import type { Supervised, Supervisor } from './supervisor.js';

/**
 * Runs the service processes under the supervisor and restarts one that exits on its own (a crash
 * at start while a dependency settles), at most {@link MAX_RESTARTS} times, two seconds apart.
 */

/** The preload that stops a service whose launcher disappeared. */
const PARENT_WATCH = fileURLToPath(new URL('./parent-watch.ts', import.meta.url));

/** Most restarts of one service per launcher run. */
export const MAX_RESTARTS = 5;
const RESTART_DELAY_MS = 2_000;

/** The running services. */
export type ServiceRunner = {
  readonly start: (service: ServiceProcess) => void;
  /** The live process of each service, by name. */
  readonly current: () => readonly Supervised[];
  readonly services: () => readonly ServiceProcess[];
  /** Stops restarting and stops every service (SIGTERM, SIGKILL after `deadlineMs`). */
  readonly stopAll: (deadlineMs: number) => Promise<void>;
  /** Called after every (re)start, so the pid file can be rewritten. */
  readonly onChange: (fn: () => void) => void;
};

/** What the runner needs. */
export type RunnerDeps = {
  readonly supervisor: Supervisor;
  readonly screen: Screen;
  readonly home: PlaneHome;
  readonly cwd: string;
};

/** The log file of a service process (`agent:node-1` → `agent-node-1.log`). */
export function serviceLogFile(home: PlaneHome, name: string): string {
  return join(home.logsDir, `${name.replace(/[^A-Za-z0-9_.-]/g, '-')}.log`);
}

/** A runner over `deps`. */
export function createServiceRunner(deps: RunnerDeps): ServiceRunner {
  const live = new Map<string, Supervised>();
  const specs: ServiceProcess[] = [];
  const restarts = new Map<string, number>();
  const listeners: (() => void)[] = [];
  let stopping = false;

  const launch = (service: ServiceProcess): void => {
    const proc = deps.supervisor.start({
      name: service.name,
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        '--import',
        PARENT_WATCH,
        '--conditions=@fedplane/source',
        service.main,
      ],
      env: service.env,
      cwd: deps.cwd,
      logFile: serviceLogFile(deps.home, service.name),
      ipc: true,
    });
    live.set(service.name, proc);
    for (const fn of listeners) fn();
    void proc.exited.then((exit) => {
      if (stopping) return;
      const count = (restarts.get(service.name) ?? 0) + 1;
      restarts.set(service.name, count);
      if (count > MAX_RESTARTS) {
        deps.screen.say('service exited; not restarting it again', {
          service: service.name,
          code: exit.code,
          signal: exit.signal,
        });
        return;
      }
      deps.screen.say('service exited; restarting it', {
        service: service.name,
        code: exit.code,
        signal: exit.signal,
        attempt: count,
      });
      setTimeout(() => {
        if (!stopping) launch(service);
      }, RESTART_DELAY_MS).unref();
    });
  };

  return {
    start: (service) => {
      specs.push(service);
      launch(service);
    },
    current: () => [...live.values()],
    services: () => [...specs],
    stopAll: async (deadlineMs) => {
      stopping = true;
      await deps.supervisor.stop([...live.values()], deadlineMs);
    },
    onChange: (fn) => {
      listeners.push(fn);
    },
  };
}
