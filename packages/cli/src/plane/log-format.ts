/**
 * Pretty one-line rendering of the services' pino JSON log lines for `fedplane start`:
 * `12:03:07.123 issuer        INFO  issuer started agent_id=svc/issuer/local`. Levels are colored
 * when the output is a terminal. Lines that are not pino JSON are shown as they are. Pure.
 */

/** ANSI color codes used by the launcher's output. */
export const Ansi = {
  reset: '\u001b[0m',
  dim: '\u001b[2m',
  bold: '\u001b[1m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  blue: '\u001b[34m',
  magenta: '\u001b[35m',
  cyan: '\u001b[36m',
  gray: '\u001b[90m',
} as const;

/** pino's numeric levels and their labels. */
const LEVELS: readonly (readonly [number, string, string])[] = [
  [60, 'FATAL', Ansi.magenta],
  [50, 'ERROR', Ansi.red],
  [40, 'WARN', Ansi.yellow],
  [30, 'INFO', Ansi.green],
  [20, 'DEBUG', Ansi.blue],
  [10, 'TRACE', Ansi.gray],
];

/** Fields every line carries that the pretty form leaves out. */
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'service', 'instance', 'v']);

const MAX_VALUE_CHARS = 160;

/** How to render. */
export type LogFormatOptions = {
  readonly color: boolean;
  /** Width the source name is padded to. */
  readonly nameWidth: number;
};

/** A parsed pino line: its numeric level (30 for non-JSON lines) and the rendering. */
export type FormattedLine = { readonly level: number; readonly text: string };

function paint(text: string, code: string, color: boolean): string {
  return color ? `${code}${text}${Ansi.reset}` : text;
}

function levelOf(level: number): { label: string; code: string } {
  for (const [min, label, code] of LEVELS) if (level >= min) return { label, code };
  return { label: 'TRACE', code: Ansi.gray };
}

function clock(time: unknown): string {
  if (typeof time !== 'number' || !Number.isFinite(time)) return '            ';
  return new Date(time).toISOString().slice(11, 23);
}

function valueText(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const safe = /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
  return safe.length > MAX_VALUE_CHARS ? `${safe.slice(0, MAX_VALUE_CHARS)}…` : safe;
}

function errText(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const message = (value as { message?: unknown }).message;
  return typeof message === 'string' ? message : undefined;
}

const LEVEL_NAMES: Readonly<Record<string, number>> = {
  fatal: 60,
  error: 50,
  warn: 40,
  info: 30,
  debug: 20,
  trace: 10,
};

/** pino's level as a number: numeric, or a label (`formatters.level` loggers write `"info"`). */
function numericLevel(level: unknown): number {
  if (typeof level === 'number') return level;
  return typeof level === 'string' ? (LEVEL_NAMES[level.toLowerCase()] ?? 30) : 30;
}

/** nats-server style `[INF]`, `[WRN]`, … levels; info lines rank below INFO (banner noise). */
const BRACKET_LEVELS: readonly (readonly [string, number])[] = [
  ['[FTL]', 60],
  ['[ERR]', 50],
  ['[WRN]', 40],
  ['[INF]', 25],
  ['[DBG]', 20],
  ['[TRC]', 10],
];

function bracketLevel(line: string): number {
  for (const [tag, level] of BRACKET_LEVELS) if (line.includes(tag)) return level;
  return 30;
}

function parseObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Renders one output line of the child `name`. */
export function formatLogLine(
  name: string,
  line: string,
  options: LogFormatOptions,
): FormattedLine {
  const source = paint(name.padEnd(options.nameWidth), Ansi.cyan, options.color);
  const record = parseObject(line);
  if (record === undefined) {
    return { level: bracketLevel(line), text: `${' '.repeat(12)} ${source} ${line}` };
  }
  const level = numericLevel(record['level']);
  const { label, code } = levelOf(level);
  const fields: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (HIDDEN.has(key) || value === undefined) continue;
    const err = key === 'err' || key === 'error' ? errText(value) : undefined;
    fields.push(`${key}=${valueText(err ?? value)}`);
  }
  const msg = typeof record['msg'] === 'string' ? record['msg'] : '';
  const rest = fields.length > 0 ? ` ${paint(fields.join(' '), Ansi.dim, options.color)}` : '';
  return {
    level,
    text: `${paint(clock(record['time']), Ansi.gray, options.color)} ${source} ${paint(label.padEnd(5), code, options.color)} ${msg}${rest}`,
  };
}
