import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaseEnvSchema, loadConfig } from '@fedplane/runtime';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ApprovalsEnvSchema } from '../../services/approvals/src/config.js';
import { AuditorEnvSchema } from '../../services/auditor/src/config.js';
import { IssuerEnvSchema } from '../../services/issuer/src/config.js';
import { ReconcilerEnvSchema } from '../../services/reconciler/src/config.js';
import { RenewalAgentEnvSchema } from '../../services/renewal-agent/src/config.js';
import { SyncGatewayEnvSchema } from '../../services/sync-gateway/src/config.js';

/**
 * docker-compose.yml is valid (`docker-compose config -q`, Compose v1 as Debian ships it) and
 * cannot drift from the code: every variable it gives a service is declared in that service's zod
 * env schema and the whole environment parses; NATS users match deploy/nats-users.json; ports
 * listen on loopback; scalable services have no fixed name or port.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPOSE = 'docker-compose';
/** The image entry points (`SERVICE`) and the schema each one's environment must satisfy. */
const SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  issuer: IssuerEnvSchema,
  auditor: AuditorEnvSchema,
  reconciler: ReconcilerEnvSchema,
  approvals: ApprovalsEnvSchema,
  'renewal-agent': RenewalAgentEnvSchema,
  'sync-gateway': SyncGatewayEnvSchema,
  // `fedplane bootstrap enroll` reads the shared NATS variables only
  cli: BaseEnvSchema,
};
/** Variables read by something other than our config: the image entry point and node-postgres. */
const NOT_CONFIG = new Set(['SERVICE', 'PGPASSFILE']);
const SCALABLE = ['issuer', 'approvals', 'auditor', 'reconciler'];

type ComposeService = {
  environment?: Record<string, string | number | null>;
  command?: string[];
  ports?: (string | { host_ip?: string; published?: string | number })[];
  container_name?: string;
  volumes?: (string | { source?: string; target?: string })[];
};

function compose(args: readonly string[]): {
  status: number | null;
  stdout: string;
  stderr: string;
} {
  const run = spawnSync(COMPOSE, [...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  if (run.error !== undefined) {
    throw new Error(
      `${COMPOSE} is not runnable (${run.error.message}); install it (Debian: apt-get install docker-compose)`,
    );
  }
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const parseYaml = (
  createRequire(new URL('../../packages/core/package.json', import.meta.url))('yaml') as {
    parse(this: void, text: string): unknown;
  }
).parse;

function resolvedServices(): Record<string, ComposeService> {
  const out = compose(['--profile', 'demo', 'config']);
  expect(out.stderr.trim(), 'docker-compose config').toBe('');
  const doc = parseYaml(out.stdout) as { services: Record<string, ComposeService> };
  return doc.services;
}

const manifest = JSON.parse(readFileSync(`${ROOT}deploy/nats-users.json`, 'utf8')) as {
  user: string;
  key: string;
  nodes: string[];
}[];

function envOf(service: ComposeService): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.environment ?? {}))
    env[k] = v === null ? '' : String(v);
  const sim = service.command?.indexOf('--simulate') ?? -1;
  const count = sim >= 0 ? service.command?.[sim + 1] : undefined;
  if (count !== undefined) env['RENEWAL_AGENT_SIMULATE'] = count;
  return env;
}

describe('docker-compose.yml', () => {
  it('passes `docker-compose config -q`, with and without the demo profile', () => {
    for (const args of [
      ['config', '-q'],
      ['--profile', 'demo', 'config', '-q'],
    ]) {
      const out = compose(args);
      expect({ args, status: out.status, stderr: out.stderr.trim() }).toEqual({
        args,
        status: 0,
        stderr: '',
      });
    }
  });

  const services = resolvedServices();
  const ours = Object.entries(services).filter(([, s]) => s.environment?.['SERVICE'] !== undefined);

  it('runs the six services, the bootstrap and a demo fleet', () => {
    const kinds = new Set(ours.map(([, s]) => String(s.environment?.['SERVICE'])));
    expect([...kinds].sort()).toEqual(Object.keys(SCHEMAS).sort());
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['nats', 'postgres', 'bootstrap']),
    );
  });

  it.each(ours.map(([name, s]) => [name, s] as const))(
    '%s: every variable is declared in its env schema and the environment parses',
    (_name, service) => {
      const kind = String(service.environment?.['SERVICE']);
      const schema = SCHEMAS[kind];
      if (schema === undefined) throw new Error(`no env schema for SERVICE=${kind}`);
      const env = envOf(service);
      const declared = new Set(Object.keys((schema as z.ZodObject).shape));
      expect(Object.keys(env).filter((k) => !declared.has(k) && !NOT_CONFIG.has(k))).toEqual([]);
      const parsed = loadConfig(schema, env);
      expect(parsed.ok ? [] : parsed.error.problems).toEqual([]);
    },
  );

  const onNats = ours.filter(([, s]) => s.environment?.['NATS_URL'] !== undefined);
  it.each(onNats.map(([name, s]) => [name, s] as const))(
    '%s: its NATS user exists, with its own password file and node',
    (_name, service) => {
      const env = envOf(service);
      const user = manifest.find((u) => u.user === env['NATS_USER']);
      expect(user, `NATS_USER=${env['NATS_USER'] ?? ''}`).toBeDefined();
      expect(basename(env['NATS_PASSWORD_FILE'] ?? '')).toBe(user?.key);
      if (env['FED_NODE_ID'] !== undefined) expect(user?.nodes).toEqual([env['FED_NODE_ID']]);
    },
  );

  it('publishes ports on loopback only, and scalable services have no fixed name or port', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        const ip = typeof port === 'string' ? port.split(':')[0] : port.host_ip;
        expect([name, ip]).toEqual([name, '127.0.0.1']);
      }
    }
    for (const name of SCALABLE) {
      const service = services[name];
      expect(service?.container_name).toBeUndefined();
      for (const port of service?.ports ?? []) {
        const published = typeof port === 'string' ? port.split(':')[1] : String(port.published);
        expect([name, published]).toEqual([name, expect.stringMatching(/^\d+-\d+$/)]);
      }
    }
  });

  it('only the bootstrap and the issuer mount the issuer key', () => {
    const mounting = Object.entries(services)
      .filter(([, s]) =>
        (s.volumes ?? []).some((v) =>
          typeof v === 'string' ? v.startsWith('issuer-keys:') : v.source === 'issuer-keys',
        ),
      )
      .map(([name]) => name);
    expect(mounting.sort()).toEqual(['bootstrap', 'issuer']);
  });
});
