import { ErrorCode } from '@fedplane/core';
import { parseCommandArgs } from './args.js';
import type { Command, CommandResult } from './command.js';
import { COMMANDS } from './commands/registry.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { UsageError } from './usage-error.js';

const EXIT_CODES_HELP = `Exit codes:
  0  success: the operation succeeded, or the checked thing is valid
  1  negative answer: verification failed, invalid input file, broken chain, a refusal by a
     service, or the bus/database cannot be reached
  2  usage error (unknown command or flag, missing argument) or unreadable input file
Every command accepts --help, and --json (machine-readable output on stdout; progress of long
operations goes to stderr). Commands that use the bus read NATS_URL; when it is unset they use
the plane \`fedplane start\` runs (FEDPLANE_HOME/plane.json, default ./.fedplane/plane.json).`;

function findCommand(
  argv: readonly string[],
): { command: Command; rest: readonly string[] } | undefined {
  let best: Command | undefined;
  for (const command of COMMANDS) {
    const matches = command.path.every((word, i) => argv[i] === word);
    if (matches && (best === undefined || command.path.length > best.path.length)) best = command;
  }
  return best === undefined ? undefined : { command: best, rest: argv.slice(best.path.length) };
}

function topHelp(prefix: readonly string[]): string {
  const shown = COMMANDS.filter((c) => prefix.every((word, i) => c.path[i] === word));
  const list = (shown.length > 0 ? shown : COMMANDS)
    .map(
      (c) =>
        `  fedplane ${[...c.path, c.synopsis].filter((s) => s !== '').join(' ')}\n      ${c.summary}`,
    )
    .join('\n');
  return `fedplane — the federation control plane's operator command\n\nUsage:\n${list}\n\n${EXIT_CODES_HELP}\n`;
}

function commandHelp(command: Command): string {
  return `Usage: fedplane ${[...command.path, command.synopsis].filter((s) => s !== '').join(' ')}\n\n${command.summary}\n\n${command.details}\n\n${EXIT_CODES_HELP}\n`;
}

function emit(io: CliIo, json: boolean, result: CommandResult): number {
  if (json) io.out(JSON.stringify(result.json));
  else if (result.text !== '') io.out(result.text);
  return result.exitCode;
}

/**
 * Runs one `fedplane` invocation and returns its exit code. Never throws: usage mistakes exit 2
 * with a message, and anything unexpected is reported as a typed `INTERNAL` error, not a stack.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const wantsJson = argv.includes('--json');
  const found = findCommand(argv);
  if (found === undefined) {
    const asksHelp = argv.length === 0 || argv.includes('--help') || argv.includes('-h');
    const prefix = argv.filter((a) => !a.startsWith('-'));
    if (asksHelp) {
      io.out(topHelp(prefix));
      return ExitCode.OK;
    }
    return usageFailure(io, wantsJson, `unknown command: ${argv.join(' ')}`, topHelp(prefix));
  }
  const { command, rest } = found;
  try {
    const args = parseCommandArgs(rest, command.options);
    if (args.help) {
      io.out(commandHelp(command));
      return ExitCode.OK;
    }
    return emit(io, args.json, await command.run(args, io));
  } catch (err) {
    if (err instanceof UsageError) {
      return usageFailure(
        io,
        wantsJson,
        err.message,
        `Run: fedplane ${command.path.join(' ')} --help`,
      );
    }
    const message = err instanceof Error ? err.message : String(err);
    if (wantsJson) io.out(JSON.stringify({ ok: false, error: ErrorCode.INTERNAL, message }));
    else io.err(`fedplane: internal error: ${message}`);
    return ExitCode.USAGE;
  }
}

function usageFailure(io: CliIo, json: boolean, message: string, hint: string): number {
  if (json) io.out(JSON.stringify({ ok: false, error: ErrorCode.BAD_REQUEST, message }));
  else io.err(`fedplane: ${message}\n${hint}`);
  return ExitCode.USAGE;
}
