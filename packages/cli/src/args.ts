import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';
import type { CliIo } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command accepts. */
const COMMON: Options = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

export type ParsedArgs = {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  readonly json: boolean;
  readonly help: boolean;
};

/** Strict flag parsing; every problem becomes a `UsageError` (exit 2). */
export function parseCommandArgs(argv: readonly string[], options: Options): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { ...COMMON, ...options },
      allowPositionals: true,
      strict: true,
    });
    const flat: Record<string, string | boolean | undefined> = {};
    for (const [key, value] of Object.entries(values)) {
      flat[key] = Array.isArray(value) ? value.join(',') : value;
    }
    return { values: flat, positionals, json: flat['json'] === true, help: flat['help'] === true };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/** A required string flag. */
export function requireString(args: ParsedArgs, name: string): string {
  const value = args.values[name];
  if (typeof value !== 'string' || value.length === 0)
    throw new UsageError(`--${name} is required`);
  return value;
}

/** An optional string flag. */
export function optionalString(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** An optional integer flag (decimal). */
export function optionalInteger(args: ParsedArgs, name: string): number | undefined {
  const value = optionalString(args, name);
  if (value === undefined) return undefined;
  if (!/^-?\d{1,15}$/.test(value))
    throw new UsageError(`--${name} must be an integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** An optional finite number flag. */
export function optionalNumber(args: ParsedArgs, name: string): number | undefined {
  const value = optionalString(args, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new UsageError(`--${name} must be a number, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Exactly `count` positionals, named for the message. */
export function requirePositionals(args: ParsedArgs, names: readonly string[]): readonly string[] {
  if (args.positionals.length !== names.length) {
    throw new UsageError(
      `expected ${names.map((n) => `<${n}>`).join(' ')}, got ${args.positionals.length} argument(s)`,
    );
  }
  return args.positionals;
}

/** Reads a file the user named; an unreadable file is a usage error. */
export function readUserFile(io: CliIo, path: string, what: string): string {
  try {
    return io.readText(path);
  } catch (err) {
    const reason = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
    throw new UsageError(`cannot read ${what} ${JSON.stringify(path)} (${reason})`, { cause: err });
  }
}
