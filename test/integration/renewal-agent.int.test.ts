import { readFileSync, statSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  AgentRenewReplySchema,
  AgentStatusReplySchema,
  AppError,
  ErrorCode,
  bytesEqual,
  decodeCredentialFile,
  fromBase64,
  publicKeyFromSeed,
  verifyChain,
} from '@fedplane/core';
import {
  agentRenewSubject,
  agentStatusSubject,
  nodeStatusSubject,
  publishSigned,
  request,
  seedCredentialSigner,
} from '@fedplane/messaging';
import { parseCommandArgs } from '../../packages/cli/src/args.js';
import type { CliIo } from '../../packages/cli/src/io.js';
import { createNodeStatusCommand } from '../../packages/cli/src/commands/node-status.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  latestStatus,
  startAgentWorld,
  startNodeAgent,
  testSettings,
  type AgentWorld,
  type RunningAgent,
} from './renewal-agent-fixtures.js';

/**
 * The renewal-agent in-process against a real nats-server and the test issuer (TTL 8 s): join-token
 * attestation, the credential file in the ai-memory format, signed status, the renew-now and
 * status endpoints, metrics, renewal before expiry, key rotation, restart without re-attesting.
 */

const TTL_S = 8;
const NODE = 'region/nyc/node-1';
const ROTATING = 'region/nyc/node-2';
const TOKENS = {
  'tok-node-1-0123456789abcdefghij': NODE,
  'tok-node-2-0123456789abcdefghij': ROTATING,
};

let world: AgentWorld;
let node: RunningAgent;

beforeAll(async () => {
  world = await startAgentWorld({ ttlS: TTL_S, joinTokens: TOKENS });
  node = await startNodeAgent(world, {
    nodeId: NODE,
    joinToken: { kind: 'value', token: 'tok-node-1-0123456789abcdefghij' },
    settings: testSettings({ statusIntervalMs: 500 }),
  });
});

afterAll(async () => {
  await node?.stop();
  await world?.close();
});

function nowS(): number {
  return Math.floor(Date.now() / 1000);
}

describe('attestation and the credential file', () => {
  it('attests with the join token and writes the file exactly in the ai-memory format', async () => {
    await eventually(() => existsSync(node.paths.credPath), 10_000, 'credential file');
    const text = readFileSync(node.paths.credPath, 'utf8');
    expect(text).toMatch(/^v1=[A-Za-z0-9+/]+={0,2}\n$/);
    expect(statSync(node.paths.credPath).mode & 0o777).toBe(0o600);
    expect(existsSync(node.paths.chainPath)).toBe(false);
    const verified = verifyChain({ leaf: text.trim(), bundle: world.bundle(), nowS: nowS() });
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect(verified.value.subject_agent_id).toBe(NODE);
    // The credential binds the node key on disk (0600 in a 0700 directory).
    const seed = fromBase64(readFileSync(node.paths.keyPath, 'utf8').trim())!;
    expect(bytesEqual(verified.value.subject_pubkey, publicKeyFromSeed(seed))).toBe(true);
    expect(statSync(node.paths.keyPath).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(node.paths.keyPath)).mode & 0o777).toBe(0o700);
    expect(world.issuer.counts.attest).toBeGreaterThanOrEqual(1);
  });

  it('emits credential.renewed signed by the node credential (the reference audit payload)', async () => {
    const event = await eventually(
      () => world.events.find((e) => e.type === 'credential.renewed' && e.actor === NODE),
      10_000,
      'credential.renewed',
    );
    expect(event.attestation.attest_level).toBe('credential_signed');
    expect(event.data).toMatchObject({
      subject: NODE,
      issuer_id: 'root',
      trust_domain: 'fleet.test',
    });
    expect(typeof event.data['renewed_at']).toBe('string');
  });
});

describe('signed status', () => {
  it('publishes the status on fed.status.node.<node>, signed, every interval', async () => {
    const first = await eventually(() => latestStatus(world, NODE), 10_000, 'status');
    expect(first.attestation).toMatchObject({ attest_level: 'credential_signed', signer: NODE });
    expect(first.body).toMatchObject({ node_id: NODE, issuer_id: 'root', can_sign: true });
    const onDisk = decodeCredentialFile(readFileSync(node.paths.credPath, 'utf8'));
    expect(onDisk.ok).toBe(true);
    // Re-published at the interval (500 ms) even without a change.
    const later = await eventually(
      async () => {
        const s = await latestStatus(world, NODE);
        return s !== null && s.seq > first.seq + 1 ? s : null;
      },
      5_000,
      'a periodic status',
    );
    expect(later.attestation.attest_level).toBe('credential_signed');
  });

  it('serves fed.agent.<node>.status', async () => {
    const status = await request(
      world.bus.nc,
      agentStatusSubject(NODE),
      {},
      {
        schema: AgentStatusReplySchema,
      },
    );
    expect(status).toMatchObject({ node_id: NODE, can_sign: true, agent_version: '0.1.0' });
    const unknown = await request(
      world.bus.nc,
      agentStatusSubject('region/nyc/nobody'),
      {},
      {
        schema: AgentStatusReplySchema,
        timeoutMs: 1_000,
      },
    ).catch((err: unknown) => err);
    expect(unknown).toMatchObject({ code: ErrorCode.UNAVAILABLE });
    const bad = await request(
      world.bus.nc,
      agentStatusSubject(NODE),
      { extra: 1 },
      {
        schema: AgentStatusReplySchema,
      },
    ).catch((err: unknown) => err);
    expect(bad).toMatchObject({ code: ErrorCode.BAD_REQUEST });
  });
});

describe('renew now (fed.agent.<node>.renew)', () => {
  it('renews at once and publishes the change at once', async () => {
    const before = await request(
      world.bus.nc,
      agentStatusSubject(NODE),
      {},
      {
        schema: AgentStatusReplySchema,
      },
    );
    // A new issuance needs a new second for not_before to differ.
    await new Promise((r) => setTimeout(r, 1_100));
    const reply = await request(
      world.bus.nc,
      agentRenewSubject(NODE),
      { reason: 'operator test' },
      { schema: AgentRenewReplySchema, timeoutMs: 10_000 },
    );
    expect(reply.renewed).toBe(true);
    expect(reply.status.credential_id).not.toBe(before.credential_id);
    expect(reply.status.last_renewal_at).not.toBeNull();
    const published = await eventually(
      async () => {
        const s = await latestStatus(world, NODE);
        return s?.body.credential_id === reply.status.credential_id ? s : null;
      },
      2_000,
      'the changed status',
    );
    expect(published.attestation.attest_level).toBe('credential_signed');
  });

  it('with the issuer down: a typed error, and the held credential stays', async () => {
    const held = node.agent.agent(NODE)!.credential();
    await world.issuer.stop();
    try {
      const err = await request(
        world.bus.nc,
        agentRenewSubject(NODE),
        {},
        {
          schema: AgentRenewReplySchema,
          timeoutMs: 10_000,
        },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: ErrorCode.UNAVAILABLE });
      expect(node.agent.agent(NODE)!.credential()).toEqual(held);
      expect(node.agent.agent(NODE)!.valid()).toBe(true);
    } finally {
      await world.issuer.start();
    }
  });
});

describe('renewal before expiry', () => {
  it(`renews on its own before expiry with a ${TTL_S} s TTL, never lapsing`, async () => {
    const agent = node.agent.agent(NODE)!;
    const seen = new Set<string>();
    const deadline = Date.now() + 3 * TTL_S * 1000;
    let lapses = 0;
    while (Date.now() < deadline && seen.size < 3) {
      if (!agent.valid()) lapses += 1;
      const leaf = readFileSync(node.paths.credPath, 'utf8').trim();
      const verified = verifyChain({ leaf, bundle: world.bundle(), nowS: nowS() });
      if (!verified.ok) lapses += 1;
      const id = agent.status()?.credential_id;
      if (id !== undefined) seen.add(id);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(lapses).toBe(0);
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });

  it('exports the reference gauges and the attempt counter', async () => {
    const text = await node.registry.metrics();
    const age = /^ai_memory_federation_cred_max_age_seconds (\d+)/m.exec(text);
    expect(Number(age?.[1])).toBeGreaterThanOrEqual(30); // the 30 s back-date is included
    expect(Number(age?.[1])).toBeLessThan(30 + TTL_S + 2);
    expect(text).toMatch(/^ai_memory_federation_renewal_lag_seconds \d+/m);
    const ok = /^fedplane_renewal_attempts_total\{result="ok"\} (\d+)/m.exec(text);
    expect(Number(ok?.[1])).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/^fedplane_renewal_attempts_total\{result="error"\} [1-9]/m);
  });
});

describe('key rotation and restart', () => {
  it('rotates the node key at renewal; a restart restores without attesting again', async () => {
    const rotating = await startNodeAgent(world, {
      nodeId: ROTATING,
      joinToken: { kind: 'value', token: 'tok-node-2-0123456789abcdefghij' },
      settings: testSettings({ rotateKey: true }),
    });
    let keyBefore = '';
    try {
      await eventually(() => rotating.agent.agent(ROTATING)!.valid(), 10_000, 'attested');
      keyBefore = readFileSync(rotating.paths.keyPath, 'utf8');
      await new Promise((r) => setTimeout(r, 1_100));
      const reply = await request(
        world.bus.nc,
        agentRenewSubject(ROTATING),
        {},
        {
          schema: AgentRenewReplySchema,
          timeoutMs: 10_000,
        },
      );
      expect(reply.renewed).toBe(true);
      const keyAfter = readFileSync(rotating.paths.keyPath, 'utf8');
      expect(keyAfter).not.toBe(keyBefore);
      expect(existsSync(`${rotating.paths.keyPath}.next`)).toBe(false);
      const leaf = readFileSync(rotating.paths.credPath, 'utf8').trim();
      const verified = verifyChain({ leaf, bundle: world.bundle(), nowS: nowS() });
      expect(verified.ok && verified.value.subject_pubkey).toEqual(
        publicKeyFromSeed(fromBase64(keyAfter.trim())!),
      );
      const event = await eventually(
        () => world.events.find((e) => e.actor === ROTATING && e.data['key_rotated'] === true),
        5_000,
        'key_rotated event',
      );
      expect(event.attestation.attest_level).toBe('credential_signed');
    } finally {
      await rotating.stop();
    }
    // Restart with the same files and no join token: the stored credential is restored.
    const attests = world.issuer.counts.attest;
    const restarted = await startNodeAgent(world, {
      nodeId: ROTATING,
      settings: testSettings({ rotateKey: true }),
    });
    try {
      expect(restarted.agent.agent(ROTATING)!.valid()).toBe(true);
      const renewed = await eventually(
        () =>
          world.events.filter((e) => e.actor === ROTATING && e.type === 'credential.renewed')
            .length >= 3,
        3 * TTL_S * 1000,
        'a renewal after the restart',
      );
      expect(renewed).toBe(true);
      expect(world.issuer.counts.attest).toBe(attests);
    } finally {
      await restarted.stop();
    }
  });
});

describe('fedplane node status', () => {
  async function nodeStatus(argv: string[], natsUrl = world.nats.url) {
    const command = createNodeStatusCommand({ env: () => ({ NATS_URL: natsUrl }) });
    const io: CliIo = {
      out: () => undefined,
      err: () => undefined,
      readText: () => '',
      nowS: () => Math.floor(Date.now() / 1000),
    };
    return command.run(parseCommandArgs(argv, command.options), io);
  }

  it('shows one node: its signed status, verified against the bundle', async () => {
    const result = await nodeStatus([NODE]);
    expect(result.exitCode).toBe(0);
    expect(result.text).toContain(NODE);
    expect(result.text).toContain('credential_signed');
    expect(result.json).toMatchObject({
      ok: true,
      nodes: [{ node_id: NODE, signature: 'credential_signed', valid_now: true }],
    });
  });

  it('lists every node; a forged status makes the answer negative', async () => {
    const forged = 'region/nyc/forged';
    const cred = world.issuer.issue(forged, publicKeyFromSeed(new Uint8Array(32).fill(5)));
    const signer = seedCredentialSigner({
      agentId: forged,
      seed: new Uint8Array(32).fill(6), // not the credential's key
      credential: () => cred.header,
    });
    const body = new TextEncoder().encode(
      JSON.stringify({
        node_id: forged,
        credential_id: cred.credentialId,
        issuer_id: 'root',
        not_before: cred.claims.not_before,
        not_after: cred.claims.not_after,
        can_sign: true,
        agent_version: '0.1.0',
        last_renewal_at: null,
      }),
    );
    await publishSigned(world.bus.js, {
      subject: nodeStatusSubject(forged),
      body,
      signer,
      msgId: `forged-${String(Date.now())}`,
    });
    const result = await nodeStatus(['--json']);
    expect(result.exitCode).toBe(1);
    const nodes = (
      result.json as { nodes: { node_id: string; signature: string; valid_now: boolean }[] }
    ).nodes;
    expect(nodes.find((n) => n.node_id === NODE)).toMatchObject({ valid_now: true });
    expect(nodes.find((n) => n.node_id === forged)).toMatchObject({
      signature: 'invalid_signature:bad_signature',
      valid_now: false,
    });
  });

  it('asks the agent with --live; a node without status, a bad id, an unreachable bus', async () => {
    const live = await nodeStatus([NODE, '--live']);
    expect(live.exitCode).toBe(0);
    expect(live.json).toMatchObject({
      nodes: [{ node_id: NODE, signature: 'live', valid_now: true }],
    });
    const missing = await nodeStatus(['region/nyc/nobody']);
    expect(missing.exitCode).toBe(1);
    expect(missing.json).toMatchObject({ ok: false, nodes: [{ signature: 'missing' }] });
    await expect(nodeStatus(['../bad'])).rejects.toThrow(/invalid node id/);
    await expect(nodeStatus(['--live'])).rejects.toThrow(/needs a <node-id>/);
    const down = await nodeStatus([NODE, '--timeout', '500'], 'nats://127.0.0.1:1');
    expect(down.exitCode).toBe(1);
    expect(down.json).toMatchObject({ ok: false, error: 'UNAVAILABLE' });
  });
});
