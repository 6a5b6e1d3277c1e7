import { SILENT_LOG, connectBus, type Bus } from '@fedplane/messaging';
import { optionalInteger, type ParsedArgs } from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { readPlaneFile, withPlaneEnv } from '../plane/plane-file.js';
import { planeHome } from '../plane/plane-home.js';
import { gatherStatus } from '../plane/status-gather.js';
import { statusJson } from '../plane/status-model.js';
import { renderStatus, type StatusLinks } from '../plane/status-render.js';
import { UsageError } from '../usage-error.js';
import { DEFAULT_NATS_URL, natsAuth, natsServers } from '../nats-connection.js';

/**
 * `fedplane status [--json] [--watch]`: the view `fedplane start` shows — nodes (FED_STATUS),
 * posture (fed-enforcement), pending approvals (approval events), audit head (fed.audit.head).
 * `--json` prints exactly `{"nodes": [{"id", "present", "can_sign", "not_after"}], "posture":
 * {"require_sig", "revision"}, "pending_approvals": N, "audit": {"size", "head"}}`.
 */

/** What the command needs from the process. */
export type StatusDeps = {
  readonly env: () => Readonly<Record<string, string | undefined>>;
  readonly cwd: () => string;
  readonly color: () => boolean;
  /** Calls `stop` on Ctrl-C (for `--watch`); returns the un-registration. */
  readonly onInterrupt: (stop: () => void) => () => void;
};

const WATCH_MS = 2_000;

function links(deps: StatusDeps, natsUrl: string): StatusLinks {
  const plane = readPlaneFile(planeHome(deps.env(), deps.cwd()).planeFile);
  if (plane === undefined) return { natsUrl };
  return {
    natsUrl,
    logsDir: `${plane.home}/logs`,
    planeFile: `${plane.home}/plane.json`,
    services: plane.services.flatMap((s) => [
      ...(s.http_url === undefined ? [] : [{ name: `${s.name} http`, url: s.http_url }]),
      ...(s.health_url === undefined ? [] : [{ name: `${s.name} health`, url: s.health_url }]),
    ]),
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function watch(deps: StatusDeps, bus: Bus, io: CliIo, natsUrl: string): Promise<void> {
  const controller = new AbortController();
  const release = deps.onInterrupt(() => controller.abort());
  try {
    while (!controller.signal.aborted) {
      const status = await gatherStatus(bus, Date.now());
      const text = renderStatus(status, {
        nowMs: Date.now(),
        color: deps.color(),
        links: links(deps, natsUrl),
      });
      io.out(`${deps.color() ? '\u001b[H\u001b[2J' : ''}${text}`);
      await pause(WATCH_MS, controller.signal);
    }
  } finally {
    release();
  }
}

async function run(deps: StatusDeps, args: ParsedArgs, io: CliIo): Promise<CommandResult> {
  if (args.positionals.length > 0) throw new UsageError('status takes no arguments');
  const timeoutMs = optionalInteger(args, 'timeout') ?? 5_000;
  if (timeoutMs < 100 || timeoutMs > 120_000)
    throw new UsageError('--timeout must be 100..120000 ms');
  const watching = args.values['watch'] === true;
  if (watching && args.json) throw new UsageError('--watch shows the text view; drop --json');
  const env = withPlaneEnv(deps.env(), deps.cwd());
  const urls = natsServers(env);
  let bus: Bus | undefined;
  try {
    bus = await connectBus({
      servers: urls,
      auth: natsAuth(env),
      name: 'fedplane-cli',
      log: SILENT_LOG,
      connection: { timeout: timeoutMs, reconnect: false },
    });
    if (watching) {
      await watch(deps, bus, io, urls.join(','));
      return { exitCode: ExitCode.OK, json: { ok: true }, text: '' };
    }
    const status = await gatherStatus(bus, Date.now());
    return {
      exitCode: ExitCode.OK,
      json: statusJson(status),
      text: renderStatus(status, {
        nowMs: Date.now(),
        color: deps.color(),
        links: links(deps, urls.join(',')),
      }),
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      exitCode: ExitCode.NEGATIVE,
      json: { ok: false, error: 'UNAVAILABLE', message },
      text: `plane status unavailable (NATS ${urls.join(',')}): ${message}\nIs the plane running? Start it with: pnpm start`,
    };
  } finally {
    await bus?.close().catch(() => undefined);
  }
}

/** The command over `deps`. */
export function createStatusCommand(deps: StatusDeps): Command {
  return {
    path: ['status'],
    synopsis: '[--watch] [--timeout MS]',
    summary: 'Show the plane: nodes, credential expiry, posture, pending approvals, audit head.',
    details: `The same view as the \`fedplane start\` screen, read from the bus (NATS_URL, else the
plane .fedplane/plane.json describes, else ${DEFAULT_NATS_URL}):
  nodes      the inventory's nodes and every node with a status in FED_STATUS: present (a status
             within 60 s), can_sign (signed by a valid credential for that node), not_after
  posture    fed-enforcement/posture, verified as signed by a reconciler (absent = permissive)
  approvals  approval.requested events not yet decided nor expired
  audit      the latest signed checkpoint (fed.audit.head, else KV fed-audit)
--watch redraws the view every 2 s until Ctrl-C.
--json prints exactly {"nodes":[{"id","present","can_sign","not_after"}],
"posture":{"require_sig","revision"},"pending_approvals":N,"audit":{"size","head"}}
(null where a value is not known yet).
Exit 0 when the status was read; 1 when the bus cannot be reached.`,
    options: { watch: { type: 'boolean', default: false }, timeout: { type: 'string' } },
    run: (args, io) => run(deps, args, io),
  };
}

/** `fedplane status` on the real process. */
export const statusCommand: Command = createStatusCommand({
  env: () => process.env,
  cwd: () => process.cwd(),
  color: () => process.stdout.isTTY && process.env['NO_COLOR'] === undefined,
  onInterrupt: (stop) => {
    process.once('SIGINT', stop);
    return () => process.off('SIGINT', stop);
  },
});
