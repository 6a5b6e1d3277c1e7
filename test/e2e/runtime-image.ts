import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './service-process.js';

/**
 * The Dockerfile's runtime stage, assembled without Docker (this machine has no engine): the
 * esbuild bundles of the `build` stage (deploy/build-bundles.sh, written to `<pkg>/dist/`) plus
 * the `prod-deps` stage — the workspace manifests and sources (migrations are read from the
 * package directories) and a production install of the lockfile, hoisted, offline from the
 * local store — in `target`. Services then run as the image's entry point runs them:
 * `node --enable-source-maps <target>/services/<service>/dist/main.js`. The install command is
 * the Dockerfile's, word for word ({@link PROD_INSTALL}; runtime-image.int.test.ts checks it).
 */

/** The prod-deps stage's install (arguments after `pnpm`). */
export const PROD_INSTALL = [
  'install',
  '--prod',
  '--frozen-lockfile',
  '--offline',
  '--ignore-scripts',
  '--config.shamefully-hoist=true',
] as const;

/** The files the prod-deps stage copies before installing. */
const MANIFESTS = ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json', '.npmrc'] as const;

/** Workspace folders whose packages the image holds. */
const WORKSPACES = ['packages', 'services'] as const;

function run(command: string, args: readonly string[], cwd: string): void {
  const r = spawnSync(command, [...args], { cwd, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd} (${String(r.status)}): ${r.stderr || r.stdout}`,
    );
  }
}

/** The packages that have a bundle (`<workspace>/<name>/dist/main.js` after the build). */
export function bundledPackages(): string[] {
  return WORKSPACES.flatMap((ws) =>
    readdirSync(join(ROOT, ws))
      .map((name) => `${ws}/${name}`)
      .filter((pkg) => existsSync(join(ROOT, pkg, 'dist/main.js'))),
  );
}

/** Builds the bundles and assembles the runtime image's /app in `target`; returns `target`. */
export function assembleRuntimeImage(target: string): string {
  run('sh', ['deploy/build-bundles.sh'], ROOT);
  mkdirSync(target, { recursive: true });
  for (const file of MANIFESTS) copyFileSync(join(ROOT, file), join(target, file));
  for (const ws of WORKSPACES) {
    cpSync(join(ROOT, ws), join(target, ws), {
      recursive: true,
      filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
    });
  }
  run('pnpm', PROD_INSTALL, target);
  for (const pkg of bundledPackages()) {
    mkdirSync(join(target, pkg, 'dist'), { recursive: true });
    for (const file of ['main.js', 'main.js.map']) {
      copyFileSync(join(ROOT, pkg, 'dist', file), join(target, pkg, 'dist', file));
    }
  }
  return target;
}
