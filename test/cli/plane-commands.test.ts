import { randomBytes } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliIo } from '@fedplane/cli';
import {
  AUDIT_LOG_NAME,
  checkpointBytes,
  publicKeyFromSeed,
  sha256Hex,
  toBase64,
  utf8,
} from '@fedplane/core';
import {
  BucketName,
  FixedSubject,
  KvKey,
  SILENT_LOG,
  connectBus,
  ensureKv,
  ensureStreams,
  eventSubject,
  fedBuckets,
  fedStreams,
  nodeStatusSubject,
  seedCredentialSigner,
  signKvEnvelope,
  signedHeaders,
  type Bus,
} from '@fedplane/messaging';
import {
  startNatsServer,
  startTestIssuer,
  type NatsServerHandle,
  type TestIssuer,
} from '@fedplane/testkit';
import { headers } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../packages/cli/src/args.js';
import { COMMANDS } from '../../packages/cli/src/commands/registry.js';
import { createEventsTailCommand } from '../../packages/cli/src/commands/events-tail.js';

/**
 * `fedplane status`, `fedplane events tail`, `fedplane enroll --file` and the help of every
 * command, against a real nats-server seeded with signed statuses, a signed posture, an
 * inventory, approval events and an audit checkpoint.
 */

type Run = { code: number; out: string; err: string };

function io(): { io: CliIo; result: () => { out: string; err: string } } {
  let out = '';
  let err = '';
  return {
    io: {
      out: (t) => (out += t.endsWith('\n') ? t : `${t}\n`),
      err: (t) => (err += t.endsWith('\n') ? t : `${t}\n`),
      readText: (path) => readFileSync(path, 'utf8'),
      nowS: () => Math.floor(Date.now() / 1000),
    },
    result: () => ({ out, err }),
  };
}

async function cli(argv: readonly string[]): Promise<Run> {
  const sink = io();
  const code = await runCli(argv, sink.io);
  return { code, ...sink.result() };
}

let server: NatsServerHandle;
let bus: Bus;
let issuer: TestIssuer;
let dir = '';
const savedNats = process.env['NATS_URL'];
const N1 = 'region/t/node-1';
const N2 = 'region/t/node-2';
const N3 = 'region/t/node-3';

function signerFor(agentId: string) {
  const seed = new Uint8Array(randomBytes(32));
  const cred = issuer.issue(agentId, publicKeyFromSeed(seed));
  return { cred, signer: seedCredentialSigner({ agentId, seed, credential: () => cred.header }) };
}

async function publishStatus(nodeId: string, signed: boolean): Promise<number> {
  const { cred, signer } = signerFor(nodeId);
  const body = utf8(
    JSON.stringify({
      node_id: nodeId,
      credential_id: cred.credentialId,
      issuer_id: cred.claims.issuer_id,
      not_before: cred.claims.not_before,
      not_after: cred.claims.not_after,
      can_sign: true,
      agent_version: 'test',
      last_renewal_at: null,
    }),
  );
  await bus.js.publish(
    nodeStatusSubject(nodeId),
    body,
    signed ? { headers: signedHeaders(signer, body) } : {},
  );
  return cred.claims.not_after;
}

function approvalEvent(type: string, pendingId: string): Uint8Array {
  return utf8(
    JSON.stringify({
      id: `0190f0f0-0000-7000-8000-${randomBytes(6).toString('hex')}`,
      type,
      actor: 'svc/approvals/t',
      subject: pendingId,
      at: new Date().toISOString(),
      data: {
        pending_id: pendingId,
        action_type: 'decommission_node',
        namespace: 'fleet',
        requested_by: 'svc/reconciler/t',
      },
    }),
  );
}

let notAfter1 = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fedplane-plane-cli-'));
  server = await startNatsServer();
  process.env['NATS_URL'] = server.url;
  bus = await connectBus({ servers: server.url, name: 'plane-cli-test', log: SILENT_LOG });
  await ensureStreams(bus.jsm, fedStreams());
  await ensureKv(bus.jsm, fedBuckets());
  issuer = await startTestIssuer({ nc: bus.nc });
  notAfter1 = await publishStatus(N1, true);
  await publishStatus(N2, false);
  const reconciler = signerFor('svc/reconciler/t');
  const posture = utf8(
    JSON.stringify({
      require_sig: true,
      revision: 4,
      decided_at: new Date().toISOString(),
      evidence: [],
    }),
  );
  const enforcement = await bus.kvm.open(BucketName.enforcement);
  await enforcement.put(KvKey.posture, signKvEnvelope(posture, reconciler.signer));
  const yaml = `trust_domain: fleet.test\nregions:\n  - name: t\n    nodes:\n      - { id: ${N1}, attestor: join-token, cred_ttl: 1h, renew_before: 15m }\n      - { id: ${N3}, attestor: join-token, cred_ttl: 1h, renew_before: 15m }\nquorum: { width: 1 }\nenforcement: { require_sig: true }\n`;
  const inventory = await bus.kvm.open(BucketName.inventory);
  await inventory.put(KvKey.desired, JSON.stringify({ yaml, sha256: sha256Hex(utf8(yaml)) }));
  for (const [type, id] of [
    ['approval.requested', 'p-1'],
    ['approval.requested', 'p-2'],
    ['approval.decided', 'p-1'],
    ['approval.requested', 'p-3'],
    ['approval.expired', 'p-3'],
  ] as const) {
    await bus.js.publish(eventSubject(type, id), approvalEvent(type, id));
  }
  const auditor = signerFor('svc/auditor/t');
  const checkpoint = checkpointBytes({
    log: AUDIT_LOG_NAME,
    size: 7,
    head: 'ab'.repeat(32),
    at: new Date().toISOString(),
  });
  const audit = await bus.kvm.open(BucketName.audit);
  await audit.put(KvKey.checkpoint, signKvEnvelope(checkpoint, auditor.signer));
  expect(toBase64(checkpoint)).not.toBe('');
});

afterAll(async () => {
  await issuer?.stop();
  await bus?.close();
  await server?.stop();
  if (savedNats === undefined) delete process.env['NATS_URL'];
  else process.env['NATS_URL'] = savedNats;
  rmSync(dir, { recursive: true, force: true });
});

describe('fedplane status', () => {
  it('--json is exactly nodes, posture, pending approvals and audit head', async () => {
    const r = await cli(['status', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      nodes: [
        { id: N1, present: true, can_sign: true, not_after: notAfter1 },
        { id: N3, present: false, can_sign: false, not_after: null },
        { id: N2, present: true, can_sign: false, not_after: expect.any(Number) as number },
      ],
      posture: { require_sig: true, revision: 4 },
      pending_approvals: 1,
      audit: { size: 7, head: 'ab'.repeat(32) },
    });
  }, 20_000);

  it('the text view shows the same, with what is wrong', async () => {
    const r = await cli(['status']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('strict enforcement, but not every node can sign');
    expect(r.out).toMatch(new RegExp(`${N1}\\s+present\\s+can-sign`));
    expect(r.out).toMatch(
      new RegExp(`${N2}\\s+present\\s+cannot-sign.*not in inventory, unsigned`),
    );
    expect(r.out).toContain('Approvals: 1 pending');
    expect(r.out).toContain('Audit:     size 7');
    expect(r.out).not.toContain('\u001b[');
  }, 20_000);

  it('a posture not signed by a reconciler counts as permissive', async () => {
    const enforcement = await bus.kvm.open(BucketName.enforcement);
    const impostor = signerFor(N1);
    const body = utf8(
      JSON.stringify({
        require_sig: true,
        revision: 9,
        decided_at: new Date().toISOString(),
        evidence: [],
      }),
    );
    const previous = await enforcement.get(KvKey.posture);
    await enforcement.put(KvKey.posture, signKvEnvelope(body, impostor.signer));
    try {
      const r = await cli(['status', '--json']);
      expect((JSON.parse(r.out) as { posture: unknown }).posture).toEqual({
        require_sig: false,
        revision: null,
      });
      expect((await cli(['status'])).out).toContain(`refused (signed by ${N1})`);
    } finally {
      if (previous !== null) await enforcement.put(KvKey.posture, previous.value);
    }
  }, 20_000);

  it('an unreachable bus exits 1 with a typed error', async () => {
    const r = await cli(['status', '--json', '--timeout', '500']);
    expect(r.code).toBe(0);
    process.env['NATS_URL'] = 'nats://127.0.0.1:1';
    try {
      const down = await cli(['status', '--json', '--timeout', '500']);
      expect(down.code).toBe(1);
      expect(JSON.parse(down.out)).toMatchObject({ ok: false, error: 'UNAVAILABLE' });
      expect((await cli(['status', '--timeout', '500'])).out).toContain('pnpm start');
    } finally {
      process.env['NATS_URL'] = server.url;
    }
  }, 20_000);

  it('usage errors exit 2', async () => {
    expect((await cli(['status', 'extra'])).code).toBe(2);
    expect((await cli(['status', '--timeout', '5'])).code).toBe(2);
    expect((await cli(['status', '--watch', '--json'])).code).toBe(2);
  });
});

describe('fedplane events tail', () => {
  async function tail(
    argv: readonly string[],
    publish: () => Promise<void>,
    until: (out: string) => boolean,
  ) {
    let stop: () => void = () => undefined;
    const command = createEventsTailCommand({
      env: () => ({ NATS_URL: server.url }),
      cwd: () => dir,
      color: () => false,
      onInterrupt: (fn) => {
        stop = fn;
        return () => undefined;
      },
    });
    const sink = io();
    const running = command.run(parseCommandArgs(argv, command.options), sink.io);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await publish();
    const deadline = Date.now() + 10_000;
    while (!until(sink.result().out) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    stop();
    const result = await running;
    return { result, out: sink.result().out };
  }

  it('--type filters, --json prints one object per event with its signature verdict', async () => {
    const { result, out } = await tail(
      ['--type', 'approval.decided', '--json', '--all'],
      async () => {
        await bus.js.publish(
          eventSubject('approval.decided', 'p-2'),
          approvalEvent('approval.decided', 'p-2'),
        );
      },
      (text) => text.split('\n').filter((l) => l.includes('"approval.decided"')).length >= 2,
    );
    expect(result.exitCode).toBe(0);
    const lines = out
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            event: { type: string; data: { pending_id: string } };
            attest_level: string;
          },
      );
    expect(lines.map((l) => l.event.data.pending_id)).toEqual(['p-1', 'p-2']);
    expect(
      lines.every((l) => l.event.type === 'approval.decided' && l.attest_level === 'unsigned'),
    ).toBe(true);
    expect(result.json).toEqual({ stopped: true, ok: true, events: 2 });
  }, 20_000);

  it('text lines show time, type, actor → subject, the verdict and the data; new events only by default', async () => {
    const { out } = await tail(
      [],
      async () => {
        await bus.js.publish(
          eventSubject('approval.requested', 'p-9'),
          approvalEvent('approval.requested', 'p-9'),
        );
      },
      (text) => text.includes('p-9'),
    );
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /approval\.requested\s+svc\/approvals\/t → p-9\s+\[unsigned\]\s+\{"pending_id":"p-9"/,
    );
  }, 20_000);

  it('a bad --type is a usage error', async () => {
    expect((await cli(['events', 'tail', '--type', 'nope'])).code).toBe(2);
  });
});

describe('fedplane enroll --file', () => {
  it('enrolls every listed node over one connection, progress on stderr, failures reported', async () => {
    const seen: string[] = [];
    const sub = bus.nc.subscribe(FixedSubject.issuerEnroll, {
      callback: (_err, msg) => {
        const body = JSON.parse(new TextDecoder().decode(msg.data)) as {
          node_id: string;
          region?: string;
        };
        seen.push(`${body.node_id}@${body.region ?? ''}`);
        if (body.node_id === 'bad-node') {
          const h = headers();
          h.set('Nats-Service-Error', 'attestor_mismatch');
          h.set('Nats-Service-Error-Code', '403');
          msg.respond(utf8(JSON.stringify({ error: 'FORBIDDEN', message: 'attestor_mismatch' })), {
            headers: h,
          });
          return;
        }
        msg.respond(
          utf8(
            JSON.stringify({ join_token: 'A'.repeat(43), expires_at: '2030-01-01T00:00:00.000Z' }),
          ),
        );
      },
    });
    const file = join(dir, 'nodes.txt');
    writeFileSync(file, `# demo\nnode-a\n\nnode-b  # second\nbad-node\nnode-a\n`);
    const r = await cli(['enroll', '--file', file, '--region', 'eu', '--json']);
    sub.unsubscribe();
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out) as {
      ok: boolean;
      enrolled: { node_id: string }[];
      failed: { node_id: string; error: string }[];
    };
    expect(json.ok).toBe(false);
    expect(json.enrolled.map((e) => e.node_id)).toEqual(['node-a', 'node-b']);
    expect(json.failed).toMatchObject([{ node_id: 'bad-node', error: 'FORBIDDEN' }]);
    expect(seen).toEqual(['node-a@eu', 'node-b@eu', 'bad-node@eu']);
    expect(r.err).toContain('enroll: 3/3 done (1 failed)');
    expect((await cli(['enroll', 'x', '--file', file])).code).toBe(2);
    writeFileSync(file, 'not a valid id!\n');
    const bad = await cli(['enroll', '--file', file]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('line 1');
  }, 20_000);
});

describe('help and --json everywhere', () => {
  it('fedplane --help lists every command and documents the exit codes and the plane file', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const command of COMMANDS) expect(r.out).toContain(`fedplane ${command.path.join(' ')}`);
    expect(r.out).toContain('Exit codes:');
    expect(r.out).toMatch(/0 {2}success/);
    expect(r.out).toMatch(/1 {2}negative answer/);
    expect(r.out).toMatch(/2 {2}usage error/);
    expect(r.out).toContain('plane.json');
  });

  it('every command answers --help with its usage and exit 0', async () => {
    for (const command of COMMANDS) {
      const r = await cli([...command.path, '--help']);
      expect(r.code, command.path.join(' ')).toBe(0);
      expect(r.out).toContain(`Usage: fedplane ${command.path.join(' ')}`);
      expect(r.out).toContain('Exit codes:');
      expect(command.details.length, command.path.join(' ')).toBeGreaterThan(40);
    }
  });

  it('every command accepts --json: a usage mistake is a JSON error on stdout, exit 2', async () => {
    for (const command of COMMANDS) {
      const r = await cli([...command.path, '--json', '--no-such-flag']);
      expect(r.code, command.path.join(' ')).toBe(2);
      expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: 'BAD_REQUEST' });
    }
  });
});
