import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  AgentStatusReplySchema,
  ErrorCode,
  encodeChain,
  fromBase64,
  issueCredential,
  publicKeyFromSeed,
  type IssuedCredential,
} from '@fedplane/core';
import { agentStatusSubject, request } from '@fedplane/messaging';
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
 * `file` mode (reference §3.3; §7 items 12–13 ported end to end): the agent re-reads the files an
 * external issuer writes. Here the "external issuer" is the test: a root → `region/nyc/ca` →
 * leaf chain, then garbled, missing and re-minted files. The held credential is never dropped,
 * the intermediates are never lost (reference §8 item 5), identical claims cause no churn, and
 * every reload is one signed `credential.renewed`.
 */

const NODE = 'region/nyc/node-5';
const CA_SEED = new Uint8Array(32).fill(42);

let world: AgentWorld;
let running: RunningAgent;
let nodeKey: Uint8Array;
let chain = '';

beforeAll(async () => {
  world = await startAgentWorld({ ttlS: 3600 });
  running = await startNodeAgent(world, {
    nodeId: NODE,
    settings: testSettings({ mode: 'file', fileIntervalMs: 150, statusIntervalMs: 5_000 }),
  });
  const seed = fromBase64(readFileSync(running.paths.keyPath, 'utf8').trim())!;
  nodeKey = publicKeyFromSeed(seed);
  const ca = world.issuer.issue('region/nyc/ca', publicKeyFromSeed(CA_SEED), { ttlS: 86_400 });
  chain = encodeChain([ca.envelope]);
});

afterAll(async () => {
  await running?.stop();
  await world?.close();
});

function mintLeaf(ttlS = 3600): IssuedCredential {
  const issued = issueCredential({
    issuerSeed: CA_SEED,
    issuerId: 'region/nyc/ca',
    trustDomain: world.issuer.trustDomain,
    subjectAgentId: NODE,
    subjectPubkey: nodeKey,
    nowS: Math.floor(Date.now() / 1000),
    ttlS,
  });
  if (!issued.ok) throw new Error(issued.error.tag);
  return issued.value;
}

const agent = () => running.agent.agent(NODE)!;
const renewedCount = () =>
  world.events.filter((e) => e.actor === NODE && e.type === 'credential.renewed').length;
const failedEvents = () =>
  world.events.filter((e) => e.actor === NODE && e.type === 'credential.renewal_failed');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('file mode', () => {
  it('holds nothing while no file exists (status endpoint: UNAVAILABLE)', async () => {
    expect(agent().valid()).toBe(false);
    const err = await request(
      world.bus.nc,
      agentStatusSubject(NODE),
      {},
      {
        schema: AgentStatusReplySchema,
      },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      details: { reason: 'no_credential' },
    });
  });

  it('loads leaf + chain written by the external issuer; the signed status carries the chain', async () => {
    mkdirSync(dirname(running.paths.credPath), { recursive: true });
    const leaf = mintLeaf();
    writeFileSync(running.paths.chainPath, `${chain}\n`);
    writeFileSync(running.paths.credPath, `${leaf.header}\n`);
    await eventually(() => agent().valid(), 5_000, 'the credential loaded');
    expect(agent().credential()).toEqual({ leaf: leaf.header, chain });
    const status = await eventually(() => latestStatus(world, NODE), 5_000, 'status');
    expect(status.attestation).toMatchObject({ attest_level: 'credential_signed', chain });
    expect(status.body).toMatchObject({ issuer_id: 'region/nyc/ca', can_sign: true });
    await eventually(() => renewedCount() === 1, 3_000, 'one credential.renewed');
  });

  it('identical claims rewritten: no swap, no event (no churn)', async () => {
    const held = agent().credential();
    writeFileSync(running.paths.credPath, `${held!.leaf}\n`);
    await pause(600);
    expect(agent().credential()).toEqual(held);
    expect(renewedCount()).toBe(1);
  });

  it('a garbled file keeps the held credential; the failure is announced once', async () => {
    const held = agent().credential();
    writeFileSync(running.paths.credPath, 'v1=garbage!!\n');
    await eventually(() => failedEvents().length === 1, 3_000, 'renewal_failed');
    await pause(600); // several more re-reads of the same broken file
    expect(failedEvents()).toHaveLength(1);
    expect(failedEvents()[0]!.data).toMatchObject({ reason: 'credential_malformed' });
    expect(failedEvents()[0]!.attestation.attest_level).toBe('credential_signed');
    expect(agent().credential()).toEqual(held);
    expect(agent().valid()).toBe(true);
    const status = await eventually(
      async () => {
        const s = await latestStatus(world, NODE);
        return s?.body.last_error !== undefined ? s : null;
      },
      3_000,
      'the status with the error',
    );
    expect(status.body.can_sign).toBe(true);
  });

  it('a missing file keeps the held credential', async () => {
    const held = agent().credential();
    rmSync(running.paths.credPath);
    await pause(600);
    expect(agent().credential()).toEqual(held);
    expect(agent().valid()).toBe(true);
  });

  it('a re-minted leaf with the chain file gone is taken with the held intermediates', async () => {
    rmSync(running.paths.chainPath);
    await pause(1_100); // a new second, so the re-mint differs
    const next = mintLeaf();
    writeFileSync(running.paths.credPath, `${next.header}\n`);
    await eventually(() => agent().credential()?.leaf === next.header, 3_000, 'the re-mint');
    expect(agent().credential()).toEqual({ leaf: next.header, chain });
    expect(renewedCount()).toBe(2);
    const status = await eventually(
      async () => {
        const s = await latestStatus(world, NODE);
        return s?.body.credential_id === next.credentialId ? s : null;
      },
      3_000,
      'the status of the re-mint',
    );
    expect(status.attestation).toMatchObject({ attest_level: 'credential_signed', chain });
    expect(status.body.last_error).toBeUndefined();
  });

  it('a credential left to expire: expiring once, expired once, then the status says it cannot sign', async () => {
    await pause(1_100);
    const short = mintLeaf(3); // inside the 2 s lead window one second after it is loaded
    writeFileSync(running.paths.credPath, `${short.header}\n`);
    await eventually(() => agent().credential()?.leaf === short.header, 3_000, 'the short one');
    const ofShort = (type: string) =>
      world.events.filter((e) => e.type === type && e.data['credential_id'] === short.credentialId);
    const expiring = await eventually(
      () => ofShort('credential.expiring')[0],
      5_000,
      'credential.expiring',
    );
    expect(expiring.attestation.attest_level).toBe('credential_signed');
    expect(expiring.data).toMatchObject({ not_after: short.claims.not_after });
    const expired = await eventually(
      () => ofShort('credential.expired')[0],
      6_000,
      'credential.expired',
    );
    expect(expired.data).toEqual({
      credential_id: short.credentialId,
      not_after: short.claims.not_after,
    });
    // Signed with a credential that is now expired: recorded, but not as credential_signed.
    expect(expired.attestation).toMatchObject({
      attest_level: 'invalid_signature',
      reason: 'credential_expired',
    });
    await pause(500);
    expect(ofShort('credential.expiring')).toHaveLength(1);
    expect(ofShort('credential.expired')).toHaveLength(1);
    expect(agent().valid()).toBe(false);
    const status = await eventually(
      async () => {
        const s = await latestStatus(world, NODE);
        return s?.body.credential_id === short.credentialId && !s.body.can_sign ? s : null;
      },
      3_000,
      'the status of the expired credential',
    );
    expect(status.body.can_sign).toBe(false);
  });
});
