import type { ParseArgsConfig } from 'node:util';
import type { ParsedArgs } from './args.js';
import type { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

/** What a command produced: the exit code, its JSON form and its human form. */
export type CommandResult = {
  readonly exitCode: ExitCode;
  readonly json: unknown;
  readonly text: string;
};

/** One `fedplane <path...>` command. */
export type Command = {
  readonly path: readonly string[];
  readonly synopsis: string;
  readonly summary: string;
  readonly details: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  readonly run: (args: ParsedArgs, io: CliIo) => CommandResult | Promise<CommandResult>;
};
