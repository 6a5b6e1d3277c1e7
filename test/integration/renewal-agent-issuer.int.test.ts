import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AgentRenewReplySchema,
  CredentialReplySchema,
  EnrollReplySchema,
  ErrorCode,
  RevokeReplySchema,
  decodeChainFile,
  verifyChain,
} from '@fedplane/core';
import {
  BucketName,
  FixedSubject,
  agentRenewSubject,
  connectBus,
  request,
  watchTrustBundle,
  type Bus,
  type TrustWatch,
} from '@fedplane/messaging';
import { silentLog } from '@fedplane/runtime';
import {
  createTestDatabase,
  startNatsServer,
  withPool,
  type NatsServerHandle,
  type TestDatabase,
} from '@fedplane/testkit';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuerEnvSchema, toIssuerConfig } from '../../services/issuer/src/config.js';
import { startIssuer, type IssuerHandle } from '../../services/issuer/src/start.js';
import { tokensFromEnroll } from '../../services/renewal-agent/src/adapters/join-token.js';
import {
  nodeAgentSpec,
  simulatedAgentSpecs,
} from '../../services/renewal-agent/src/shell/agent-specs.js';
import {
  startRenewalAgent,
  type RenewalAgent,
} from '../../services/renewal-agent/src/shell/start-renewal-agent.js';
import { eventually, testSettings } from './renewal-agent-fixtures.js';

/**
 * End to end with the REAL issuer service (services/issuer, Postgres + NATS): `fed.issuer.enroll`
 * mints a join token, the agent attests with it and renews by proof of possession (rotating its
 * key), the region gets an intermediate and the next renewal brings the chain (written to the
 * chain file, verifying against the root-only bundle), and after `fed.issuer.revoke` renewals
 * are refused while the held credential stays until it expires.
 */

const NODE = 'region/nyc/node-1';
const TTL_S = 10;

let nats: NatsServerHandle;
let db: TestDatabase;
let pool: Pool;
let issuerBus: Bus;
let issuer: IssuerHandle;
let bus: Bus;
let trust: TrustWatch;
let dir = '';

beforeAll(async () => {
  nats = await startNatsServer();
  db = await createTestDatabase();
  pool = withPool(db.url, 4);
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  dir = mkdtempSync(join(tmpdir(), 'renewal-agent-e2e-'));
  const parsed = IssuerEnvSchema.safeParse({
    NATS_URL: nats.url,
    DATABASE_URL: db.url,
    ISSUER_TRUST_DOMAIN: 'fleet.e2e',
    ISSUER_KEY_DIR: join(dir, 'issuer-keys'),
    INSTANCE_ID: `e2e-${randomBytes(3).toString('hex')}`,
  });
  if (!parsed.success) throw new Error(parsed.error.message);
  issuerBus = await connectBus({ servers: nats.url, name: 'issuer-e2e', log: silentLog });
  issuer = await startIssuer({
    config: toIssuerConfig(parsed.data),
    log: silentLog,
    bus: issuerBus,
    pool,
  });
  bus = await connectBus({ servers: nats.url, name: 'agent-e2e', log: silentLog });
  trust = watchTrustBundle(await bus.kvm.open(BucketName.trust), { log: silentLog });
  await trust.ready;
});

afterAll(async () => {
  await trust?.stop();
  await bus?.close();
  await issuer?.stop();
  await issuerBus?.close();
  await pool?.end();
  await db?.drop();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('with the real issuer', () => {
  let agent: RenewalAgent | undefined;
  afterAll(async () => {
    await agent?.stop();
  });

  it('enroll → join token → attest → renew (rotating) → intermediate chain → revoke', async () => {
    const { join_token: token } = await request(
      bus.nc,
      FixedSubject.issuerEnroll,
      { node_id: NODE, region: 'nyc', ttl_s: TTL_S },
      { schema: EnrollReplySchema },
    );
    const paths = {
      keyPath: join(dir, 'node', 'keys', 'node.key'),
      credPath: join(dir, 'node', 'cred'),
      chainPath: join(dir, 'node', 'cred.chain'),
    };
    agent = await startRenewalAgent({
      nc: bus.nc,
      js: bus.js,
      agents: [
        nodeAgentSpec({ nodeId: NODE, ...paths, joinToken: { kind: 'value', token } }, silentLog),
      ],
      settings: testSettings({ rotateKey: true }),
      trust,
      log: silentLog,
    });
    const node = agent.agent(NODE)!;
    const nowS = () => Math.floor(Date.now() / 1000);
    const bundle = () => trust.current()!;

    // Attested: the file is the ai-memory format and verifies against the issuer's bundle.
    await eventually(() => existsSync(paths.credPath), 15_000, 'the credential file');
    const first = readFileSync(paths.credPath, 'utf8');
    expect(first).toMatch(/^v1=[A-Za-z0-9+/]+={0,2}\n$/);
    expect(verifyChain({ leaf: first.trim(), bundle: bundle(), nowS: nowS() }).ok).toBe(true);
    const firstId = node.status()!.credential_id;

    // Renews on its own (half-life of a 10 s TTL), rotating the key each time.
    await eventually(
      () => node.status()!.credential_id !== firstId,
      2 * TTL_S * 1000,
      'an automatic renewal',
    );
    expect(node.valid()).toBe(true);

    // The region gets an intermediate; the next renewal carries the chain.
    const intermediate = await request(
      bus.nc,
      FixedSubject.issuerIntermediate,
      { region: 'nyc' },
      { schema: CredentialReplySchema },
    );
    expect(intermediate.credential).toMatch(/^v1=/);
    await new Promise((r) => setTimeout(r, 1_100));
    const renewed = await request(
      bus.nc,
      agentRenewSubject(NODE),
      {},
      {
        schema: AgentRenewReplySchema,
        timeoutMs: 10_000,
      },
    );
    expect(renewed.renewed).toBe(true);
    expect(renewed.status.issuer_id).toBe('region/nyc/ca');
    const chainText = readFileSync(paths.chainPath, 'utf8');
    expect(chainText).toMatch(/^v1=[A-Za-z0-9+/]+={0,2}\n$/);
    expect(decodeChainFile(chainText).ok).toBe(true);
    const leaf = readFileSync(paths.credPath, 'utf8').trim();
    expect(verifyChain({ leaf, chain: chainText.trim(), bundle: bundle(), nowS: nowS() }).ok).toBe(
      true,
    );

    // Revoked: renewals are refused, the held credential (and its chain) stay until not_after.
    await request(
      bus.nc,
      FixedSubject.issuerRevoke,
      { node_id: NODE, reason: 'e2e' },
      {
        schema: RevokeReplySchema,
      },
    );
    const held = node.credential();
    const refused = await request(
      bus.nc,
      agentRenewSubject(NODE),
      {},
      {
        schema: AgentRenewReplySchema,
        timeoutMs: 10_000,
      },
    ).catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: ErrorCode.FORBIDDEN });
    expect(node.credential()).toEqual(held);
    expect(node.valid()).toBe(true);
    expect(readFileSync(paths.chainPath, 'utf8')).toBe(chainText);
  });

  it('a simulation enrolls each node through fed.issuer.enroll and every agent attests', async () => {
    const sim = await startRenewalAgent({
      nc: bus.nc,
      js: bus.js,
      agents: simulatedAgentSpecs('e2e-sim', 8, tokensFromEnroll(bus.nc, 5_000)),
      settings: testSettings(),
      trust,
      log: silentLog,
      startSpreadMs: 200,
    });
    try {
      await eventually(() => sim.readiness().ok, 20_000, 'every simulated agent attested');
      const keys = new Set(sim.agents.map((a) => Buffer.from(a.publicKey()).toString('hex')));
      expect(keys.size).toBe(8);
      for (const a of sim.agents) {
        const leaf = a.credential()!.leaf;
        const verified = verifyChain({
          leaf,
          bundle: trust.current()!,
          nowS: Math.floor(Date.now() / 1000),
        });
        expect(verified.ok && verified.value.subject_agent_id).toBe(a.nodeId);
      }
    } finally {
      await sim.stop();
    }
  });
});
