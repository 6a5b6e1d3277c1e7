import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApprovalRequestReplySchema } from '@fedplane/core';
import { FixedSubject, request } from '@fedplane/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  HMAC_SECRET,
  getJson,
  startInstance,
  startWorld,
  type ApprovalsWorld,
} from './approvals-fixtures.js';

/**
 * `fedplane approvals list|show|approve|deny` as processes against a real approvals instance
 * (real NATS + Postgres): reads with the API key and `--json`, decisions signed by the CLI with
 * the reference HMAC, and the exit codes of refusals.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLI_MAIN = join(ROOT, 'packages/cli/src/main.ts');

let world: ApprovalsWorld;
let inst: Awaited<ReturnType<typeof startInstance>>;

function fedplane(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, ['--conditions=@fedplane/source', CLI_MAIN, ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        APPROVALS_URL: inst.url,
        APPROVALS_API_KEY: API_KEY,
        APPROVALS_HMAC_SECRET: HMAC_SECRET,
        FEDPLANE_AGENT_ID: 'ops/alice',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

beforeAll(async () => {
  world = await startWorld();
  inst = await startInstance(world, { name: 'cli-a' });
});

afterAll(async () => {
  await inst?.stop();
  await world?.close();
});

const ask = (namespace: string) =>
  request(
    world.bus.nc,
    FixedSubject.approvalsRequest,
    {
      action_type: 'enable_strict',
      namespace,
      requested_by: 'svc/reconciler/r-cli',
      payload: {},
    },
    { schema: ApprovalRequestReplySchema },
  );

describe('fedplane approvals', () => {
  it('list and show read through the API key', async () => {
    const { pending_id: id } = await ask('fleet/cli');
    const list = await fedplane([
      'approvals',
      'list',
      '--namespace',
      'fleet/cli',
      '--all',
      '--json',
    ]);
    expect(list.code, list.err).toBe(0);
    const listed = JSON.parse(list.out) as { ok: boolean; items: { id: string }[] };
    expect(listed.items.map((i) => i.id)).toEqual([id]);
    const show = await fedplane(['approvals', 'show', id]);
    expect(show.code).toBe(0);
    expect(show.out).toContain(`id            ${id}`);
    const refused = await fedplane(['approvals', 'list'], {
      APPROVALS_API_KEY: 'wrong-key-0123456789',
    });
    expect(refused.code).toBe(1);
    expect(refused.out + refused.err).toContain('x-api-key');
  });

  it('approve and deny sign the HMAC; a second decision exits 1', async () => {
    const { pending_id: first } = await ask('fleet/cli-decide');
    const { pending_id: second } = await ask('fleet/cli-decide');
    const approve = await fedplane([
      'approvals',
      'approve',
      first,
      '--remember',
      'session',
      '--json',
    ]);
    expect(approve.code, approve.err).toBe(0);
    expect(JSON.parse(approve.out)).toEqual({
      approved: true,
      id: first,
      decided_by: 'ops/alice',
      remember: 'session',
    });
    const deny = await fedplane(['approvals', 'deny', second, '--agent-id', 'ops/bob']);
    expect(deny.code, deny.err).toBe(0);
    expect(deny.out).toContain(`denied ${second} as ops/bob`);
    const again = await fedplane(['approvals', 'deny', first, '--agent-id', 'ops/carol']);
    expect(again.code).toBe(1);
    expect(again.out + again.err).toContain('already decided');
    expect((await getJson(inst.url, `/api/v1/pending/${first}`)).body['status']).toBe('approved');
    const usage = await fedplane(['approvals', 'approve', first, '--remember', 'always']);
    expect(usage.code).toBe(2);
  });
});
