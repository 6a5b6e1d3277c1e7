import { formatLogLine } from './log-format.js';

/**
 * The launcher's output. On a terminal: service log lines scroll, colored, and the status view
 * stays pinned below them, redrawn in place. Otherwise (a pipe, a file, a test): plain log lines,
 * and the status view printed as a block whenever it changes.
 */

/** Where the screen writes. */
export type ScreenSink = { write(text: string): unknown };

/** The screen. */
export type Screen = {
  /** One output line of child `name` (pino JSON or plain). */
  readonly line: (name: string, line: string) => void;
  /** A message of the launcher itself. */
  readonly say: (msg: string, fields?: Record<string, unknown>) => void;
  /** Shows the status view (`key` identifies its content: unchanged keys are not reprinted off a terminal). */
  readonly status: (text: string, key: string) => void;
  /** Removes the pinned view (before the final output). */
  readonly release: () => void;
};

/** Options of {@link createScreen}. */
export type ScreenOptions = {
  readonly sink: ScreenSink;
  readonly tty: boolean;
  /** Lowest pino level shown on the terminal (every line still goes to the log files). */
  readonly minLevel: number;
  readonly nameWidth: number;
  /** Terminal width: pinned lines are cut to it, so the redraw never miscounts wrapped lines. */
  readonly columns?: (() => number | undefined) | undefined;
};

// eslint-disable-next-line no-control-regex -- matching ANSI escape sequences is the point
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** `line` cut to `width` visible characters (its colors dropped when it has to be cut). */
export function fitLine(line: string, width: number | undefined): string {
  if (width === undefined || width < 10) return line;
  const plain = line.replace(ANSI, '');
  return plain.length < width ? line : `${plain.slice(0, width - 2)}…`;
}

const LEVEL_INFO = 30;

/** A screen writing to `options.sink`. */
export function createScreen(options: ScreenOptions): Screen {
  const { tty } = options;
  const sink: ScreenSink = {
    write: (text) => {
      try {
        return options.sink.write(text);
      } catch {
        return false; // the terminal or pipe is gone; the log files still have everything
      }
    },
  };
  let footer = '';
  let footerLines = 0;
  let lastKey = '';

  const clearFooter = (): void => {
    if (tty && footerLines > 0) sink.write(`\u001b[${String(footerLines)}A\r\u001b[0J`);
  };
  const drawFooter = (): void => {
    if (tty && footer !== '') sink.write(`${footer}\n`);
  };

  const print = (text: string): void => {
    clearFooter();
    sink.write(`${text}\n`);
    drawFooter();
  };

  const line = (name: string, raw: string): void => {
    const formatted = formatLogLine(name, raw, { color: tty, nameWidth: options.nameWidth });
    if (formatted.level >= options.minLevel) print(formatted.text);
  };

  return {
    line,
    say: (msg, fields = {}) =>
      line('fedplane', JSON.stringify({ level: LEVEL_INFO, time: Date.now(), msg, ...fields })),
    status: (text, key) => {
      if (tty) {
        clearFooter();
        const width = options.columns?.();
        footer = [`${'─'.repeat(72)}`, ...text.split('\n')]
          .map((l) => fitLine(l, width))
          .join('\n');
        footerLines = footer.split('\n').length;
        drawFooter();
        return;
      }
      if (key === lastKey) return;
      lastKey = key;
      sink.write(`${text}\n`);
    },
    release: () => {
      clearFooter();
      footer = '';
      footerLines = 0;
    },
  };
}
