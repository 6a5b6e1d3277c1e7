import { readFileSync } from 'node:fs';

/** What a command may touch: output streams, files, the clock. Tests pass their own. */
export type CliIo = {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly readText: (path: string) => string;
  readonly nowS: () => number;
};

/** The real process I/O. */
export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  readText: (path) => readFileSync(path, 'utf8'),
  nowS: () => Math.floor(Date.now() / 1000),
};
