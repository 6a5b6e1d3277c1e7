import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHead, verifyStoredChain } from '@fedplane/audit-store';
import {
  AuditHeadReplySchema,
  chainRows,
  fromBase64,
  parseCheckpoint,
  toHex,
  utf8,
} from '@fedplane/core';
import { FixedSubject, request } from '@fedplane/messaging';
import { TEST_SERVICE_SECRET } from '@fedplane/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allRows,
  chainSize,
  emit,
  emitter,
  eventually,
  startWorld,
  type AuditWorld,
} from './auditor-fixtures.js';
import { expectVerifiedReadyStatus } from './service-status-check.js';

/**
 * The auditor as a real process (`services/auditor/src/main.ts` with tsx's loader, as `pnpm
 * --filter @fedplane/auditor start` runs it), killed mid-batch and restarted; then
 * `fedplane audit verify` and `fedplane audit tail` as processes against the chain it built,
 * before and after tampering.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const AUDITOR_MAIN = join(ROOT, 'services/auditor/src/main.ts');
const CLI_MAIN = join(ROOT, 'packages/cli/src/main.ts');
const EVENTS = 4_000;

let world: AuditWorld;
let dir = '';

type Running = {
  readonly child: ChildProcess;
  readonly output: () => string;
  exited: Promise<number | null>;
};

function startAuditorProcess(instance: string): Running {
  // node itself with tsx's loader (not the tsx CLI, which runs the program in a child process
  // that a SIGKILL to the CLI would leave running).
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@fedplane/source', AUDITOR_MAIN],
    {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        NATS_URL: world.nats.url,
        DATABASE_URL: world.db.url,
        SERVICE_SECRET: TEST_SERVICE_SECRET,
        INSTANCE_ID: instance,
        HEALTH_PORT: '0',
        HEALTH_HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        AUDITOR_LEASE_TTL: '3s',
        AUDITOR_CHECKPOINT_INTERVAL: '1s',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

function fedplane(args: readonly string[], env: Record<string, string>) {
  const r = spawnSync(TSX, ['--conditions=@fedplane/source', CLI_MAIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env['PATH'], ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  world = await startWorld();
  dir = mkdtempSync(join(tmpdir(), 'fedplane-auditor-'));
});

afterAll(async () => {
  await world?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function headEnvelope() {
  return request(world.bus.nc, FixedSubject.auditHead, {}, { schema: AuditHeadReplySchema });
}

describe('the auditor as a process', () => {
  let ids: string[] = [];

  it('killed mid-batch and restarted, it loses and duplicates nothing and keeps stream order', async () => {
    const first = startAuditorProcess('proc-1');
    try {
      await eventually(() => first.output().includes('"lease acquired"'), 20_000, 'auditor leads');
      const nodes = [1, 2].map((n) => emitter(world.issuer, `region/lon/node-${n}`));
      // Kill it while events are still being published and appended.
      const publishing = Promise.all(nodes.map((n) => emit(world.bus, n, EVENTS / 2)));
      await chainSize(world.pool, 1_000, 20_000);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();
      ids = (await publishing).flat();
    } finally {
      first.child.kill('SIGKILL');
    }
    const atKill = (await getHead(world.pool)).size;
    expect(atKill).toBeLessThan(EVENTS);

    const secondStartedMs = Date.now();
    const second = startAuditorProcess('proc-1');
    try {
      await chainSize(world.pool, EVENTS, 30_000);
      // What the killed process had been handed but not acked was read back from the stream.
      expect(second.output()).toContain('"unacked events read back from the stream"');
      if (process.env['AUDITOR_TEST_LOGS'] === '1') console.log(second.output());
      const rows = await allRows(world.pool);
      expect(rows).toHaveLength(EVENTS);
      expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(ids));
      for (let i = 1; i < rows.length; i += 1) {
        expect(rows[i]!.stream_seq!).toBeGreaterThan(rows[i - 1]!.stream_seq!);
      }
      const verified = await verifyStoredChain(world.pool);
      expect(verified.ok && verified.report).toMatchObject({
        first_break: null,
        signature_failures: [],
      });

      // Its checkpoint reaches the head, in KV (fed.audit.head) and in the table.
      await eventually(
        async () => {
          const envelope = await headEnvelope().catch(() => null);
          const cp = envelope === null ? null : parseCheckpoint(fromBase64(envelope.body)!);
          return cp?.ok === true && cp.checkpoint.size === EVENTS;
        },
        10_000,
        'checkpoint at the head',
      );
      writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify(await headEnvelope()));

      // fedplane audit verify: directly on the database, and through the service.
      const direct = fedplane(['audit', 'verify', '--latest', '--json'], {
        DATABASE_URL: world.db.url,
        NATS_URL: world.nats.url,
      });
      expect(direct.code, direct.err).toBe(0);
      expect(JSON.parse(direct.out)).toMatchObject({
        ok: true,
        rows_checked: EVENTS,
        first_break: null,
        signature_failures: [],
        checkpoint: 'ok',
        source: 'database',
      });
      const viaService = fedplane(['audit', 'verify', '--json'], { NATS_URL: world.nats.url });
      expect(viaService.code, viaService.err).toBe(0);
      expect(JSON.parse(viaService.out)).toMatchObject({
        ok: true,
        checkpoint: 'ok',
        source: 'nats',
      });

      // Its signed instance status (bus.md FED_STATUS), published by this process, verifies.
      await expectVerifiedReadyStatus({
        jsm: world.bus.jsm,
        trust: world.trust,
        service: 'auditor',
        instance: 'proc-1',
        sinceMs: secondStartedMs,
      });
      // fedplane status lists the instance (text form; --json keeps its fixed shape).
      const shown = fedplane(['status'], { NATS_URL: world.nats.url, FEDPLANE_HOME: dir });
      expect(shown.code, shown.err).toBe(0);
      expect(shown.out).toMatch(/svc\/auditor\/proc-1\s+present\s+can-sign/);
      const json = fedplane(['status', '--json'], { NATS_URL: world.nats.url, FEDPLANE_HOME: dir });
      expect(Object.keys(JSON.parse(json.out) as object).sort()).toEqual([
        'audit',
        'nodes',
        'pending_approvals',
        'posture',
      ]);

      // SIGTERM drains and exits 0.
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }
  });

  it('fedplane audit tail prints appended events, one JSON line each, until interrupted', async () => {
    const child = spawn(
      TSX,
      [
        '--conditions=@fedplane/source',
        CLI_MAIN,
        'audit',
        'tail',
        '--from',
        '1',
        '--actor',
        'region/lon/node-2',
        '--json',
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env['PATH'], DATABASE_URL: world.db.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    await eventually(() => out.split('\n').length > EVENTS / 2, 20_000, 'tail output');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const events = lines.slice(0, -1);
    expect(events).toHaveLength(EVENTS / 2);
    expect(
      events.every((e) => e['actor'] === 'region/lon/node-2' && e['type'] === 'test.happened'),
    ).toBe(true);
    expect(events.map((e) => e['seq'])).toEqual(
      [...events.map((e) => e['seq'] as number)].sort((a, b) => a - b),
    );
    expect(lines.at(-1)).toMatchObject({ stopped: true, ok: true, events: EVENTS / 2 });
  });

  it('a full rewrite of the tail passes the link checks but fails the checkpoint check', async () => {
    // Rewrite the last 50 rows with other bodies, unsigned, hashes recomputed: a consistent chain.
    const rows = await allRows(world.pool);
    const keep = rows.length - 50;
    const base = rows[keep - 1]!;
    const rewritten = chainRows(
      rows.slice(keep).map((r) => ({
        body: utf8(`{"rewritten":${r.seq}}`),
        attestLevel: 'unsigned' as const,
        signature: null,
      })),
      { seq: BigInt(base.seq), entryHash: base.entry_hash },
    );
    const client = await world.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
      for (const row of rewritten) {
        await client.query(
          `UPDATE audit_events SET body = $2, body_hash = $3, attest_level = 'unsigned', signature = NULL,
             signer = NULL, prev_hash = $4, entry_hash = $5 WHERE seq = $1`,
          [Number(row.seq), row.body, row.bodyHash, row.prevHash, row.entryHash],
        );
      }
      await client.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const env = { DATABASE_URL: world.db.url };
    const plain = fedplane(['audit', 'verify', '--json'], env);
    expect(plain.code, plain.out).toBe(0);
    expect(JSON.parse(plain.out)).toMatchObject({ first_break: null, checkpoint: 'none' });

    const withFile = fedplane(
      ['audit', 'verify', '--checkpoint', join(dir, 'checkpoint.json'), '--json'],
      env,
    );
    expect(withFile.code).toBe(1);
    expect(JSON.parse(withFile.out)).toMatchObject({
      ok: false,
      first_break: null,
      checkpoint: 'mismatch',
      checkpoint_size: EVENTS,
    });
    const latest = fedplane(['audit', 'verify', '--latest'], env);
    expect(latest.code).toBe(1);
    expect(latest.out).toMatch(new RegExp(`checkpoint\\s+mismatch \\(size ${EVENTS}`));
    // The checkpoint's head is the original hash at its size, not the rewritten one.
    const held = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { body: string };
    const cp = parseCheckpoint(fromBase64(held.body)!);
    expect(cp.ok && cp.checkpoint.head).toBe(toHex(rows.at(-1)!.entry_hash));
    expect(cp.ok && cp.checkpoint.head).not.toBe(toHex(rewritten.at(-1)!.entryHash));
  });

  it('a row altered with the triggers disabled is reported at its seq, exit code 1', async () => {
    const target = 1_234;
    await world.pool.query(
      `BEGIN; ALTER TABLE audit_events DISABLE TRIGGER USER;
       UPDATE audit_events SET actor = 'region/lon/intruder', body = convert_to(replace(convert_from(body, 'UTF8'), 'region/lon/node', 'region/lon/intrude'), 'UTF8') WHERE seq = ${target};
       ALTER TABLE audit_events ENABLE TRIGGER USER; COMMIT;`,
    );
    const json = fedplane(['audit', 'verify', '--json'], { DATABASE_URL: world.db.url });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, first_break: target });
    const text = fedplane(['audit', 'verify'], { DATABASE_URL: world.db.url });
    expect(text.code).toBe(1);
    expect(text.out).toContain(`broken at seq ${target}`);
  });
});
