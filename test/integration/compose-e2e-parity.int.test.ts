import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { natsUsers, userManifest } from '@fedplane/messaging';
import { controlSpecs, fleetNodes, nodeSpecs, type EnvContext } from '../e2e/plane-env.js';
import { planeLayout } from '../e2e/plane-files.js';
import type { ServiceSpec } from '../e2e/service-process.js';

/**
 * The e2e plane (test/e2e/plane-env.ts) runs every service with at least the variables
 * docker-compose.yml gives it, and logs in to NATS with the same user naming: a variable added
 * to compose and not to the e2e environment fails here. No servers: docker-compose.yml is read
 * as YAML (merge keys resolved) and the e2e specs are built from a fake context (they are pure).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Each service kind (`SERVICE`), by the compose service that shows its environment. */
const COMPOSE_SERVICE_OF: Readonly<Record<string, string>> = {
  issuer: 'issuer',
  auditor: 'auditor',
  reconciler: 'reconciler',
  approvals: 'approvals',
  'renewal-agent': 'demo-node-1-agent',
  'sync-gateway': 'demo-node-1-sync',
};
/** Selects the image entry point; the e2e plane runs `services/<kind>/src/main.ts` instead. */
const ENTRY_POINT = 'SERVICE';
/** Stands for the node id in a NATS user name. */
const NODE = '<node>';

type Env = Readonly<Record<string, string>>;

const parseYaml = (
  createRequire(new URL('../../packages/core/package.json', import.meta.url))('yaml') as {
    parse(this: void, text: string, options: { merge: boolean }): unknown;
  }
).parse;

function composeEnvironments(): Map<string, Env> {
  const doc = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as { services: Record<string, { environment?: Record<string, unknown> }> };
  const out = new Map<string, Env>();
  for (const [name, service] of Object.entries(doc.services)) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(service.environment ?? {})) env[k] = String(v);
    out.set(name, env);
  }
  return out;
}

/** The e2e specs, from a fake plane root and two nodes. */
function e2eSpecs(): { specs: ServiceSpec[]; passwordFile: (user: string) => string } {
  const nodes = fleetNodes('/plane', [9001, 9002], 2);
  const manifest = userManifest(natsUsers({ nodes: nodes.map((n) => n.id) }));
  const files = planeLayout('/plane', manifest);
  const ctx: EnvContext = {
    natsUrl: 'nats://127.0.0.1:4222,nats://127.0.0.1:4223',
    databaseUrl: 'postgres://postgres@127.0.0.1:6543/fedplane',
    files,
    nodes,
  };
  const specs = [...controlSpecs(ctx, [8091, 8092]), ...nodes.flatMap((n) => nodeSpecs(ctx, n))];
  const passwordFile = (user: string): string => {
    const entry = manifest.find((u) => u.user === user);
    if (entry === undefined) throw new Error(`no NATS user ${user}`);
    return join(files.secretsDir, 'nats', entry.key);
  };
  return { specs, passwordFile };
}

/** The variables compose sets (minus the entry point) that `e2e` does not. */
function missingInE2e(compose: Env, e2e: Env): string[] {
  return Object.keys(compose).filter((k) => k !== ENTRY_POINT && !(k in e2e));
}

/** `NATS_USER` with the service's own node id replaced by {@link NODE}. */
function userPattern(env: Env): string {
  const user = env['NATS_USER'] ?? '';
  const node = env['FED_NODE_ID'];
  return node === undefined ? user : user.replaceAll(node, NODE);
}

const composeEnv = composeEnvironments();
const { specs, passwordFile } = e2eSpecs();

function composeOf(kind: string): Env {
  const env = composeEnv.get(COMPOSE_SERVICE_OF[kind] ?? '');
  if (env === undefined) throw new Error(`docker-compose.yml has no service for ${kind}`);
  return env;
}

describe('compose ↔ e2e environment parity', () => {
  it('covers every service kind compose runs (the CLI aside)', () => {
    const kinds = new Set(
      [...composeEnv.values()].flatMap((env) => {
        const kind = env[ENTRY_POINT];
        return kind === undefined || kind === 'cli' ? [] : [kind];
      }),
    );
    expect([...kinds].sort()).toEqual(Object.keys(COMPOSE_SERVICE_OF).sort());
    expect(new Set(specs.map((s) => s.service))).toEqual(kinds);
  });

  it('reports a variable compose sets and e2e does not', () => {
    expect(missingInE2e({ SERVICE: 'x', A: '1', NEW_VAR: '2' }, { A: '1' })).toEqual(['NEW_VAR']);
  });

  it.each(Object.keys(COMPOSE_SERVICE_OF))(
    '%s: every e2e process gets every variable compose sets',
    (kind) => {
      const compose = composeOf(kind);
      expect(compose['NATS_USER'], 'compose sets NATS_USER').toBeDefined();
      const processes = specs.filter((s) => s.service === kind);
      expect(processes.length).toBeGreaterThan(0);
      for (const p of processes) {
        expect([p.name, missingInE2e(compose, p.env)]).toEqual([p.name, []]);
      }
    },
  );

  it.each(Object.keys(COMPOSE_SERVICE_OF))(
    '%s: NATS_USER follows compose’s naming, with the bootstrap’s password file',
    (kind) => {
      const pattern = userPattern(composeOf(kind));
      for (const p of specs.filter((s) => s.service === kind)) {
        expect([p.name, userPattern(p.env)]).toEqual([p.name, pattern]);
        const user = p.env['NATS_USER'] ?? '';
        expect([p.name, p.env['NATS_PASSWORD_FILE']]).toEqual([p.name, passwordFile(user)]);
      }
    },
  );
});
