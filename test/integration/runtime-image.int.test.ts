import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedSubject, SILENT_LOG, connectBus } from '@fedplane/messaging';
import { createTestDatabase, startNatsServer } from '@fedplane/testkit';
import { PROD_INSTALL, assembleRuntimeImage, bundledPackages } from '../e2e/runtime-image.js';
import { ROOT, serviceProcess } from '../e2e/service-process.js';

/**
 * The image that docker-compose runs, proven without a Docker engine: the Dockerfile's runtime
 * stage is assembled the way its stages build it (esbuild bundles + a hoisted production install
 * of the lockfile; test/e2e/runtime-image.ts), then every service bundle must load all of its
 * modules from that install alone, the CLI must run, and the issuer must start for real from
 * its bundle (migrations read from the package directory, keys written, bundle served) and drain
 * on SIGTERM.
 */

const SERVICES = [
  'issuer',
  'auditor',
  'reconciler',
  'approvals',
  'renewal-agent',
  'sync-gateway',
] as const;

let image: string;

beforeAll(() => {
  image = assembleRuntimeImage(mkdtempSync(join(tmpdir(), 'fp-image-')));
}, 240_000);

afterAll(() => {
  if (image !== undefined) rmSync(image, { recursive: true, force: true });
});

function runBundle(pkg: string, args: readonly string[] = []) {
  return spawnSync(process.execPath, ['--enable-source-maps', `${pkg}/dist/main.js`, ...args], {
    cwd: image,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '' },
    timeout: 30_000,
  });
}

describe('the runtime image (Dockerfile runtime stage, assembled without Docker)', () => {
  it('is built by the Dockerfile the same way: the same install, every bundle copied', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`pnpm ${PROD_INSTALL.join(' ')}`);
    const bundled = bundledPackages();
    expect(bundled.sort()).toEqual(
      [...SERVICES.map((s) => `services/${s}`), 'packages/cli'].sort(),
    );
    for (const pkg of bundled) {
      expect(dockerfile).toContain(
        `COPY --from=build --chown=node:node /app/${pkg}/dist ./${pkg}/dist`,
      );
    }
  });

  it.each(SERVICES)(
    '%s: the bundle loads every module from the production install (then refuses the empty config)',
    (service) => {
      const r = runBundle(`services/${service}`);
      expect(r.stderr).not.toContain('ERR_MODULE_NOT_FOUND');
      expect({ status: r.status, head: r.stderr.split('\n')[0] }).toEqual({
        status: 1,
        head: 'invalid configuration:',
      });
    },
  );

  it('the CLI bundle runs', () => {
    const r = runBundle('packages/cli', ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage:');
  });

  it('the issuer starts from its bundle, serves the trust bundle and drains on SIGTERM', async () => {
    const nats = await startNatsServer();
    const db = await createTestDatabase();
    const keys = mkdtempSync(join(tmpdir(), 'fp-image-keys-'));
    const issuer = serviceProcess(
      {
        name: 'image-issuer',
        service: 'issuer',
        image,
        env: {
          NATS_URL: nats.url,
          DATABASE_URL: db.url,
          ISSUER_TRUST_DOMAIN: 'image.test',
          ISSUER_KEY_DIR: keys,
          HEALTH_PORT: '0',
        },
      },
      join(keys, 'logs'),
    );
    const bus = await connectBus({ servers: nats.url, name: 'image-test', log: SILENT_LOG });
    try {
      issuer.start();
      await issuer.waitForLog((line) => line['msg'] === 'issuer started', { timeoutMs: 60_000 });
      const reply = await bus.nc.request(FixedSubject.issuerBundle, '{}', { timeout: 10_000 });
      const body = JSON.parse(new TextDecoder().decode(reply.data)) as Record<string, unknown>;
      expect(body).toMatchObject({ trust_domain: 'image.test' });
      expect(await issuer.stop()).toBe(0);
    } finally {
      await issuer.kill();
      await bus.close();
      await db.drop();
      await nats.stop();
      rmSync(keys, { recursive: true, force: true });
    }
  }, 120_000);
});
