import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Environment the NATS helpers read (injectable so tests need not mutate `process.env`). */
export type NatsEnv = Readonly<Record<string, string | undefined>>;

/** Where Debian's `nats-server` package installs the binary; the last place we look. */
export const DEFAULT_NATS_BIN = '/usr/sbin/nats-server';

/** What to do when no server can be found; ends every "not found" message. */
export const NATS_INSTALL_HINT =
  'install it (apt-get install nats-server), or set NATS_BIN to the binary or NATS_URL to a running server with JetStream';

/** Result of {@link findNatsServerBinary}: a path, or the one-line message to fail with. */
export type NatsBinaryLookup = { ok: true; path: string } | { ok: false; message: string };

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the `nats-server` binary.
 *
 * Inputs: the environment and the fallback path. Order: `NATS_BIN` (when set it must be an
 * executable file; a wrong explicit setting is reported, never silently replaced), then each `PATH`
 * directory, then `fallbackPath`. Output: the path, or a one-line message naming what was tried
 * and what to install.
 */
export function findNatsServerBinary(
  env: NatsEnv,
  fallbackPath: string = DEFAULT_NATS_BIN,
): NatsBinaryLookup {
  const explicit = env['NATS_BIN'];
  if (explicit !== undefined && explicit !== '') {
    if (isExecutableFile(explicit)) return { ok: true, path: explicit };
    return {
      ok: false,
      message: `nats-server not found: NATS_BIN=${explicit} is not an executable file; ${NATS_INSTALL_HINT}`,
    };
  }
  const dirs = (env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of dirs) {
    const candidate = join(dir, 'nats-server');
    if (isExecutableFile(candidate)) return { ok: true, path: candidate };
  }
  if (isExecutableFile(fallbackPath)) return { ok: true, path: fallbackPath };
  return {
    ok: false,
    message: `nats-server not found on PATH or at ${fallbackPath}; ${NATS_INSTALL_HINT}`,
  };
}
