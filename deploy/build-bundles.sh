#!/bin/sh
# Builds every service once for the image (see deploy/README.md, "Why bundles"): esbuild compiles
# services/<svc>/src/main.ts and packages/cli/src/main.ts into <package>/dist/main.js, with the
# workspace packages (@fedplane/*, resolved to their TypeScript sources through the
# @fedplane/source condition) compiled in and every third-party dependency left external, loaded
# at run time from the production install (hoisted, so each bundle finds its packages' deps).
# `import.meta.url` in a workspace source becomes that source file's own URL, so paths built from
# it (migrations directories) still point at the files, which the image keeps at the same place.
# Usage: deploy/build-bundles.sh   (needs the full install, for esbuild)
set -eu
cd "$(dirname "$0")/.."
[ -f node_modules/.pnpm/node_modules/esbuild/lib/main.js ] || {
  echo "esbuild not found under node_modules/.pnpm: run pnpm install first" >&2
  exit 1
}
node --input-type=module <<'JS'
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(resolve('node_modules/.pnpm/node_modules/esbuild/package.json'));
const esbuild = require('esbuild');
const external = new Set();
for (const dir of ['packages', 'services']) {
  for (const name of readdirSync(dir)) {
    const file = `${dir}/${name}/package.json`;
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      if (!dep.startsWith('@fedplane/')) external.add(dep);
    }
  }
}
const sourceUrl = {
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\/(packages|services)\/[^/]+\/src\/.*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};
const entries = [
  ...readdirSync('services').map((s) => `services/${s}`),
  'packages/cli',
].filter((pkg) => existsSync(`${pkg}/src/main.ts`));
for (const pkg of entries) {
  await esbuild.build({
    entryPoints: [`${pkg}/src/main.ts`],
    outfile: `${pkg}/dist/main.js`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@fedplane/source'],
    external: [...external],
    sourcemap: true,
    plugins: [sourceUrl],
    banner: {
      js: "import { createRequire as __fpRequire } from 'node:module'; const require = __fpRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  console.log(`built ${pkg}/dist/main.js`);
}
JS
