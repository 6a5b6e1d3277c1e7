import type { Command, CommandResult } from '../command.js';
import type { ExitCode } from '../exit-codes.js';
import { runPlane, type LauncherDeps } from '../plane/launcher.js';

/**
 * `fedplane start` (`pnpm start`): the whole plane on this machine, in the foreground, until
 * Ctrl-C. Its output is the services' logs and the live status view, not a result, so the command
 * result carries no text.
 */

/** The signals that stop the plane. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function ignoreOutputError(): void {
  // A closed terminal or pipe: the plane still stops cleanly; its logs are in .fedplane/logs.
}

/** The real process: its environment, stdout, SIGINT, SIGTERM and SIGHUP. */
export function processLauncherDeps(): LauncherDeps {
  return {
    env: process.env,
    cwd: process.cwd(),
    out: process.stdout,
    tty: process.stdout.isTTY,
    columns: () => process.stdout.columns,
    err: (text) => process.stderr.write(`${text}\n`),
    onInterrupt: (stop) => {
      // SIGHUP: the terminal went away; stop as cleanly as on Ctrl-C, writing nowhere.
      process.stdout.on('error', ignoreOutputError);
      for (const signal of STOP_SIGNALS) process.on(signal, stop);
      return () => {
        for (const signal of STOP_SIGNALS) process.off(signal, stop);
        process.stdout.off('error', ignoreOutputError);
      };
    },
  };
}

/** The command over `deps`. */
export function createStartCommand(deps: () => LauncherDeps): Command {
  return {
    path: ['start'],
    synopsis: '',
    summary:
      'Run the whole plane locally (NATS, Postgres, every service, a demo fleet) until Ctrl-C.',
    details: `No configuration needed (this is what \`pnpm start\` runs).
  NATS       NATS_URL when set, else nats-server from the PATH (or /usr/sbin/nats-server) with
             JetStream storing in .fedplane/nats; exits 1 with how to install it when missing.
  Postgres   DATABASE_URL when set, else an embedded Postgres in .fedplane/pg (kept and reused).
  Bootstrap  service secrets in .fedplane/secrets, the issuer key in .fedplane/issuer-keys; every
             service applies its own migrations.
  Services   issuer, auditor, reconciler, approvals, and a demo fleet of 3 nodes (renewal-agent +
             sync-gateway each), every one its own child process; logs prefixed on stdout and in
             .fedplane/logs/<service>.log.
  Demo       the launcher enrolls the nodes (join tokens handed over by file), applies an inventory
             with require_sig: true once every node can sign, and writes a few records through a
             gateway once the reconciler has turned enforcement strict.
A status view (nodes, credential expiry, posture, pending approvals, audit head, where to look)
refreshes every 2 s. .fedplane/plane.json holds the connection details: every fedplane command
uses it when NATS_URL is unset. Ctrl-C (or SIGTERM) stops the services (SIGTERM, then SIGKILL after
12 s), then Postgres and NATS; a second start reuses .fedplane/ and stops any leftovers of a
killed launcher first. FEDPLANE_HOME chooses another directory than ./.fedplane.
Exit 0 after a clean stop; 1 when the plane could not start (missing nats-server, a port, ...).`,
    options: {},
    run: async (): Promise<CommandResult> => {
      const code = (await runPlane(deps())) as ExitCode;
      return { exitCode: code, json: { ok: code === 0 }, text: '' };
    },
  };
}

/** `fedplane start` on the real process. */
export const startCommand: Command = createStartCommand(processLauncherDeps);
