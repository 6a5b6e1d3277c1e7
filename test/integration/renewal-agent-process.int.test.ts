import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentRenewReplySchema, verifyChain } from '@fedplane/core';
import { agentRenewSubject, request } from '@fedplane/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  latestStatus,
  startAgentWorld,
  type AgentWorld,
} from './renewal-agent-fixtures.js';

/**
 * The renewal-agent as a real process (`services/renewal-agent/src/main.ts` through tsx, as
 * `pnpm --filter @fedplane/renewal-agent start` runs it): one node with its files, configured
 * only by the environment; then `--simulate 50`, fifty agents with their own keys and identities
 * on one NATS connection. Both stop cleanly on SIGTERM.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const MAIN = join(ROOT, 'services/renewal-agent/src/main.ts');
const NODE = 'region/fra/node-3';
const NODE_TOKEN = 'tok-process-0123456789abcdefghij';
const SIMULATED = 50;
const simId = (i: number) => `sim-${String(i)}`;
const simToken = (i: number) => `tok-sim-${String(i).padStart(4, '0')}-0123456789abcdef`;

let world: AgentWorld;

type Running = {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
};

function startAgentProcess(env: Record<string, string>, args: readonly string[] = []): Running {
  const child = spawn(TSX, ['--conditions=@fedplane/source', MAIN, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'],
      NATS_URL: world.nats.url,
      HEALTH_PORT: '0',
      HEALTH_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      FED_STATUS_INTERVAL: '1s',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

function healthPort(output: string): number | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes('"health server listening"')) continue;
    const port = (JSON.parse(line) as { port?: unknown }).port;
    if (typeof port === 'number') return port;
  }
  return undefined;
}

beforeAll(async () => {
  const joinTokens: Record<string, string> = { [NODE_TOKEN]: NODE };
  for (let i = 0; i < SIMULATED; i += 1) joinTokens[simToken(i)] = simId(i);
  world = await startAgentWorld({ ttlS: 3600, joinTokens });
});

afterAll(async () => {
  await world?.close();
});

describe('the renewal-agent as a process', () => {
  it('one node: attests from a token file, writes the ai-memory file, signs its status, stops on SIGTERM (bundle from fed.issuer.bundle)', async () => {
    const dir = join(world.dir, 'process-node');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'token'), `${NODE_TOKEN}\n`, { mode: 0o600 });
    const credPath = join(dir, 'cred');
    const agent = startAgentProcess({
      FED_NODE_ID: NODE,
      FED_KEY_PATH: join(dir, 'keys', 'node.key'),
      FED_CRED_PATH: credPath,
      FED_JOIN_TOKEN_FILE: join(dir, 'token'),
      // This node's NATS user may only call the issuer: the bundle comes from fed.issuer.bundle.
      FED_TRUST_SOURCE: 'issuer',
    });
    try {
      await eventually(
        () => existsSync(credPath),
        30_000,
        `the credential file\n${agent.output()}`,
      );
      const text = readFileSync(credPath, 'utf8');
      expect(text).toMatch(/^v1=[A-Za-z0-9+/]+={0,2}\n$/);
      const verified = verifyChain({
        leaf: text.trim(),
        bundle: world.bundle(),
        nowS: Math.floor(Date.now() / 1000),
      });
      expect(verified.ok && verified.value.subject_agent_id).toBe(NODE);
      const status = await eventually(() => latestStatus(world, NODE), 10_000, 'status');
      expect(status.attestation).toMatchObject({ attest_level: 'credential_signed', signer: NODE });

      const port = await eventually(() => healthPort(agent.output()), 10_000, 'health port');
      const ready = await eventually(
        async () => {
          const res = await fetch(`http://127.0.0.1:${String(port)}/readyz`);
          return res.status === 200 ? res : null;
        },
        5_000,
        'ready',
      );
      expect(ready.status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text();
      expect(metrics).toMatch(/^ai_memory_federation_cred_max_age_seconds\{[^}]*\} \d+/m);
      expect(metrics).toMatch(/^fedplane_renewal_attempts_total\{[^}]*result="ok"[^}]*\} 1/m);
      expect(agent.output()).toContain('"trust bundle loaded"');
      expect(world.issuer.counts.bundle).toBeGreaterThanOrEqual(1);
      // The join token never reaches the log.
      expect(agent.output()).not.toContain(NODE_TOKEN);
      agent.child.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
    } finally {
      agent.child.kill('SIGKILL');
    }
  });

  it(`--simulate ${SIMULATED}: every simulated agent holds its own credential and signs its status`, async () => {
    const tokens = Array.from({ length: SIMULATED }, (_, i) => `${simId(i)} ${simToken(i)}`);
    const tokensFile = join(world.dir, 'sim-tokens');
    writeFileSync(tokensFile, `${tokens.join('\n')}\n`, { mode: 0o600 });
    const sim = startAgentProcess({ RENEWAL_AGENT_SIMULATE_TOKENS: tokensFile }, [
      '--simulate',
      String(SIMULATED),
    ]);
    try {
      const statuses = await eventually(
        async () => {
          const all = await Promise.all(
            Array.from({ length: SIMULATED }, (_, i) => latestStatus(world, simId(i))),
          );
          return all.every((s) => s !== null) ? all : null;
        },
        40_000,
        `all ${String(SIMULATED)} statuses\n${sim.output().slice(-2000)}`,
      );
      const keys = new Set<string>();
      statuses.forEach((s, i) => {
        expect(s.body).toMatchObject({ node_id: simId(i), can_sign: true });
        expect(s.attestation).toMatchObject({
          attest_level: 'credential_signed',
          signer: simId(i),
        });
        if (s.attestation.attest_level === 'credential_signed') {
          keys.add(Buffer.from(s.attestation.claims.subject_pubkey).toString('hex'));
        }
      });
      expect(keys.size).toBe(SIMULATED);
      // Each simulated node serves its own endpoints (a new second: a new issuance differs).
      await new Promise((r) => setTimeout(r, 1_100));
      const reply = await request(
        world.bus.nc,
        agentRenewSubject(simId(7)),
        {},
        {
          schema: AgentRenewReplySchema,
          timeoutMs: 10_000,
        },
      );
      expect(reply).toMatchObject({ renewed: true, status: { node_id: simId(7) } });
      expect(world.issuer.counts.attest).toBeGreaterThanOrEqual(SIMULATED + 1);
      sim.child.kill('SIGTERM');
      expect(await sim.exited).toBe(0);
    } finally {
      sim.child.kill('SIGKILL');
    }
  });
});
