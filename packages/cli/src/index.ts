export { runCli } from './run.js';
export { processIo } from './io.js';
export type { CliIo } from './io.js';
export { ExitCode } from './exit-codes.js';
