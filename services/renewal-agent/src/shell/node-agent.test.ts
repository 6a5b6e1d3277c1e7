import {
  AppError,
  ErrorCode,
  bytesEqual,
  encodeChain,
  fromBase64,
  issueCredential,
  publicKeyFromSeed,
  verifyChain,
  verifyRenewPop,
  type AttestRequest,
  type CredentialReply,
  type RenewRequest,
  type VerifierBundle,
} from '@fedplane/core';
import type { CredentialSigner } from '@fedplane/messaging';
import type { IssuerClient, IssuerResult } from '@fedplane/runtime';
import { silentLog } from '@fedplane/runtime';
import { createFakeClock, type FakeClock } from '@fedplane/testkit';
import { describe, expect, it } from 'vitest';
import {
  memoryCredentialStore,
  memoryKeyStore,
  type MemoryCredentialFiles,
} from './memory-stores.js';
import { createNodeAgent, type NodeAgent } from './node-agent.js';
import type { AgentEvent, AgentPublisher, AttemptResult } from './ports.js';
import { AGENT_VERSION, type AgentSettings } from './settings.js';

/**
 * The agent's shell against in-memory stores, a recording publisher, a fake clock and a small
 * in-process issuer (core issueCredential / verifyChain / verifyRenewPop). `renewNow` drives one
 * attempt at a time, so every decision is observable without timers.
 */

const T0 = 1_900_000_000_000;
const NODE = 'region/nyc/node-1';
const seed = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const ROOT = seed(1);
const CA = seed(3);
const BUNDLE: VerifierBundle = {
  trustDomain: 'fleet.test',
  keys: new Map([['root', publicKeyFromSeed(ROOT)]]),
};
const TOKEN = 'join-token-0123456789abcdefghij';

const SETTINGS: AgentSettings = {
  mode: 'issuer',
  policy: { renewBeforeS: 300, minBackoffS: 1, maxBackoffS: 300, backoffFractionOfRemaining: 0.25 },
  maxAttestBackoffS: 30,
  rotateKey: false,
  statusIntervalMs: 15_000,
  fileIntervalMs: 60_000,
  agentVersion: AGENT_VERSION,
};

type Fault =
  | { kind: 'refuse'; code: ErrorCode; reason: string }
  | { kind: 'lose_reply' }
  | { kind: 'reply'; reply: CredentialReply };

/** A small issuer with the identity.md retry rule (a lost reply returns the latest credential). */
function fakeIssuer(clock: FakeClock, options: { chained?: boolean } = {}) {
  const faults: Fault[] = [];
  let latest: { presented: string; reply: CredentialReply } | undefined;
  const calls = { attest: 0, renew: 0 };
  const nowS = (): number => clock.nowS();
  const mint = (key: Uint8Array): CredentialReply => {
    if (options.chained === true) {
      const ca = issueCredential({
        issuerSeed: ROOT,
        issuerId: 'root',
        trustDomain: 'fleet.test',
        subjectAgentId: 'region/nyc/ca',
        subjectPubkey: publicKeyFromSeed(CA),
        nowS: nowS(),
        ttlS: 86_400,
      });
      const leaf = issueCredential({
        issuerSeed: CA,
        issuerId: 'region/nyc/ca',
        trustDomain: 'fleet.test',
        subjectAgentId: NODE,
        subjectPubkey: key,
        nowS: nowS(),
        ttlS: 3600,
      });
      if (!ca.ok || !leaf.ok) throw new Error('mint');
      return {
        credential: leaf.value.header,
        chain: encodeChain([ca.value.envelope]),
        not_after: leaf.value.claims.not_after,
      };
    }
    const leaf = issueCredential({
      issuerSeed: ROOT,
      issuerId: 'root',
      trustDomain: 'fleet.test',
      subjectAgentId: NODE,
      subjectPubkey: key,
      nowS: nowS(),
      ttlS: 3600,
    });
    if (!leaf.ok) throw new Error('mint');
    return { credential: leaf.value.header, not_after: leaf.value.claims.not_after };
  };
  const answer = (reply: () => CredentialReply, presented: string): IssuerResult => {
    const fault = faults.shift();
    if (fault?.kind === 'refuse') {
      return { ok: false, error: { code: fault.code, message: 'refused', reason: fault.reason } };
    }
    if (fault?.kind === 'reply') return { ok: true, value: fault.reply };
    const value = reply();
    latest = { presented, reply: value };
    if (fault?.kind === 'lose_reply') {
      return { ok: false, error: { code: ErrorCode.UNAVAILABLE, message: 'timeout' } };
    }
    return { ok: true, value };
  };
  const client: IssuerClient = {
    attest: (req: AttestRequest) => {
      calls.attest += 1;
      if (req.attestation.type !== 'join_token' || req.attestation.token !== TOKEN) {
        return Promise.resolve({
          ok: false,
          error: { code: ErrorCode.UNAUTHENTICATED, message: 'no', reason: 'join_token_invalid' },
        });
      }
      const key = fromBase64(req.public_key) ?? new Uint8Array();
      return Promise.resolve(answer(() => mint(key), ''));
    },
    renew: (req: RenewRequest) => {
      calls.renew += 1;
      const verified = verifyChain({
        leaf: req.credential,
        chain: req.chain,
        bundle: BUNDLE,
        nowS: nowS(),
      });
      if (!verified.ok) {
        return Promise.resolve({
          ok: false,
          error: { code: ErrorCode.UNAUTHENTICATED, message: 'no', reason: verified.error.tag },
        });
      }
      const newKey = req.new_public_key ?? '';
      const pop = verifyRenewPop(
        verified.value.subject_pubkey,
        { credential: req.credential, newPublicKey: newKey, nonce: req.nonce, ts: req.ts },
        req.pop,
      );
      if (!pop.ok) {
        return Promise.resolve({
          ok: false,
          error: { code: ErrorCode.UNAUTHENTICATED, message: 'no', reason: pop.error.tag },
        });
      }
      // The retry rule: presenting the credential the latest one replaced, before the latest
      // was ever used, returns the latest (same bytes, no new issuance).
      if (latest !== undefined && latest.presented === req.credential && faults.length === 0) {
        return Promise.resolve({ ok: true, value: latest.reply });
      }
      const key =
        newKey === '' ? verified.value.subject_pubkey : (fromBase64(newKey) ?? new Uint8Array());
      return Promise.resolve(answer(() => mint(key), req.credential));
    },
  };
  return { client, faults, calls };
}

type Recorded = { events: { signer: string; event: AgentEvent }[]; statuses: Uint8Array[] };

function recordingPublisher(): AgentPublisher & Recorded {
  const events: Recorded['events'] = [];
  const statuses: Uint8Array[] = [];
  return {
    events,
    statuses,
    event: (signer: CredentialSigner, event: AgentEvent) => {
      events.push({ signer: signer.agentId, event });
    },
    status: (_signer, body) => {
      statuses.push(body);
      return Promise.resolve();
    },
  };
}

async function setup(
  options: {
    settings?: Partial<AgentSettings>;
    chained?: boolean;
    files?: MemoryCredentialFiles;
    token?: string | undefined;
  } = {},
) {
  const clock = createFakeClock(T0);
  const issuer = fakeIssuer(clock, { chained: options.chained ?? false });
  const files: MemoryCredentialFiles = options.files ?? {};
  const publisher = recordingPublisher();
  const results: AttemptResult[] = [];
  const keys = memoryKeyStore();
  const agent: NodeAgent = await createNodeAgent({
    nodeId: NODE,
    settings: { ...SETTINGS, ...options.settings },
    keys,
    store: memoryCredentialStore(files),
    publisher,
    metrics: { attempt: (r) => results.push(r) },
    clock,
    log: silentLog,
    random: () => 0.5,
    issuer: issuer.client,
    joinToken: () => Promise.resolve('token' in options ? options.token : TOKEN),
    trust: { current: () => BUNDLE },
  });
  return { clock, issuer, files, publisher, results, keys, agent };
}

function types(publisher: Recorded): string[] {
  return publisher.events.map((e) => e.event.type);
}

describe('issuer mode: attest', () => {
  it('attests with the join token, writes the files in the ai-memory format, emits credential.renewed', async () => {
    const { agent, files, publisher, results } = await setup();
    const reply = await agent.renewNow({});
    expect(reply.renewed).toBe(true);
    expect(reply.status).toMatchObject({
      node_id: NODE,
      issuer_id: 'root',
      can_sign: true,
      last_renewal_at: null,
    });
    expect(files.leaf).toMatch(/^v1=[A-Za-z0-9+/]+=*\n$/);
    expect(files.leaf).toBe(`${agent.credential()?.leaf}\n`);
    expect(files.chain).toBeUndefined();
    const verified = verifyChain({ leaf: files.leaf!.trim(), bundle: BUNDLE, nowS: T0 / 1000 });
    expect(verified.ok && bytesEqual(verified.value.subject_pubkey, agent.publicKey())).toBe(true);
    expect(types(publisher)).toEqual(['credential.renewed']);
    expect(publisher.events[0]).toMatchObject({
      signer: NODE,
      event: { data: { subject: NODE, issuer_id: 'root', trust_domain: 'fleet.test' } },
    });
    expect(results).toEqual(['ok']);
  });

  it('without a join token: a typed refusal, no event (nothing to sign it with)', async () => {
    const { agent, publisher, results } = await setup({ token: undefined });
    const failure = await agent.renewNow({}).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({
      code: ErrorCode.UNAUTHENTICATED,
      details: { reason: 'no_join_token' },
    });
    expect(publisher.events).toEqual([]);
    expect(results).toEqual(['refused']);
    expect(agent.status()).toBeNull();
  });

  it('a refused token is reported with the issuer reason', async () => {
    const { agent } = await setup({ token: 'some-other-token-0123456789' });
    await expect(agent.renewNow({})).rejects.toMatchObject({
      code: ErrorCode.UNAUTHENTICATED,
      details: { reason: 'join_token_invalid' },
    });
  });
});

describe('issuer mode: renew', () => {
  it('renews by proof of possession; the event names the previous credential', async () => {
    const { agent, clock, publisher, issuer } = await setup();
    await agent.renewNow({});
    const first = agent.status();
    clock.advance(1_800_000);
    const reply = await agent.renewNow({ reason: 'test', cause: 'op-1' });
    expect(reply.renewed).toBe(true);
    expect(issuer.calls).toEqual({ attest: 1, renew: 1 });
    expect(reply.status.credential_id).not.toBe(first?.credential_id);
    expect(reply.status.last_renewal_at).toBe(new Date(T0 + 1_800_000).toISOString());
    const renewed = publisher.events[1]?.event;
    expect(renewed).toMatchObject({
      type: 'credential.renewed',
      cause: 'op-1',
      data: {
        previous_credential_id: first?.credential_id,
        credential_id: reply.status.credential_id,
      },
    });
  });

  it('a refusal keeps the held credential and emits credential.renewal_failed with the retry time', async () => {
    const { agent, clock, issuer, publisher, files } = await setup();
    await agent.renewNow({});
    const before = agent.credential();
    const fileBefore = files.leaf;
    clock.advance(1_800_000);
    issuer.faults.push({ kind: 'refuse', code: ErrorCode.UNAVAILABLE, reason: 'down' });
    await expect(agent.renewNow({})).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    expect(agent.credential()).toEqual(before);
    expect(files.leaf).toBe(fileBefore);
    const failed = publisher.events.at(-1)?.event;
    expect(failed).toMatchObject({
      type: 'credential.renewal_failed',
      data: { reason: 'down', attempt: 1, credential_id: agent.status()?.credential_id },
    });
    expect(typeof failed?.data['retry_at']).toBe('string');
    expect(agent.status()?.last_error).toMatch(/^down: /);
    expect(agent.valid()).toBe(true);
  });

  it('a reply for another identity or key is refused; the held credential stays', async () => {
    const { agent, clock, issuer } = await setup();
    await agent.renewNow({});
    const before = agent.credential();
    clock.advance(1_800_000);
    const other = issueCredential({
      issuerSeed: ROOT,
      issuerId: 'root',
      trustDomain: 'fleet.test',
      subjectAgentId: 'region/nyc/node-2',
      subjectPubkey: agent.publicKey(),
      nowS: clock.nowS(),
      ttlS: 3600,
    });
    if (!other.ok) throw new Error('mint');
    issuer.faults.push({
      kind: 'reply',
      reply: { credential: other.value.header, not_after: other.value.claims.not_after },
    });
    await expect(agent.renewNow({})).rejects.toMatchObject({
      details: { reason: 'accept_identity_mismatch' },
    });
    expect(agent.credential()).toEqual(before);
  });

  it('the issuer refusing the credential itself makes the next attempt attest', async () => {
    const { agent, clock, issuer } = await setup();
    await agent.renewNow({});
    clock.advance(1_800_000);
    issuer.faults.push({
      kind: 'refuse',
      code: ErrorCode.UNAUTHENTICATED,
      reason: 'credential_unknown_issuer',
    });
    await expect(agent.renewNow({})).rejects.toBeInstanceOf(AppError);
    await agent.renewNow({});
    expect(issuer.calls).toEqual({ attest: 2, renew: 1 });
    // ... and the one after that renews again.
    clock.advance(1_800_000);
    await agent.renewNow({});
    expect(issuer.calls).toEqual({ attest: 2, renew: 2 });
  });

  it('the held credential coming back unchanged is not a renewal and backs off', async () => {
    const { agent, clock, issuer, results } = await setup();
    await agent.renewNow({});
    clock.advance(1_800_000);
    const held = agent.credential();
    const claims = agent.status();
    issuer.faults.push({
      kind: 'reply',
      reply: { credential: held!.leaf, not_after: claims!.not_after },
    });
    const reply = await agent.renewNow({});
    expect(reply.renewed).toBe(false);
    expect(results.at(-1)).toBe('unchanged');
    expect(agent.credential()).toEqual(held);
  });
});

describe('issuer mode: key rotation at renewal', () => {
  it('rotates the key: the new credential binds the new key, which becomes current', async () => {
    const { agent, clock, publisher, keys } = await setup({ settings: { rotateKey: true } });
    await agent.renewNow({});
    const firstKey = agent.publicKey();
    clock.advance(1_800_000);
    await agent.renewNow({});
    expect(bytesEqual(agent.publicKey(), firstKey)).toBe(false);
    expect((await keys.load()).current.publicKey).toEqual(agent.publicKey());
    expect(publisher.events.at(-1)?.event.data).toMatchObject({ key_rotated: true });
    // Signing now uses the new key with the new credential.
    const verified = verifyChain({
      leaf: agent.credential()!.leaf,
      bundle: BUNDLE,
      nowS: clock.nowS(),
    });
    expect(verified.ok && bytesEqual(verified.value.subject_pubkey, agent.publicKey())).toBe(true);
  });

  it('a lost reply is retried with the SAME staged key and gets the minted credential back', async () => {
    const { agent, clock, issuer, keys } = await setup({ settings: { rotateKey: true } });
    await agent.renewNow({});
    clock.advance(1_800_000);
    issuer.faults.push({ kind: 'lose_reply' });
    await expect(agent.renewNow({})).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    const staged = (await keys.load()).next;
    expect(staged).not.toBeNull();
    clock.advance(2_000);
    const reply = await agent.renewNow({});
    expect(reply.renewed).toBe(true);
    expect(agent.publicKey()).toEqual(staged?.publicKey);
  });
});

describe('intermediates are never lost', () => {
  it('a chained credential is stored with its chain; a leaf without its chain is refused', async () => {
    const { agent, clock, issuer, files } = await setup({ chained: true });
    await agent.renewNow({});
    const held = agent.credential();
    expect(held?.chain).toMatch(/^v1=/);
    expect(files.chain).toBe(`${held?.chain}\n`);
    clock.advance(1_800_000);
    const leafOnly = issueCredential({
      issuerSeed: CA,
      issuerId: 'region/nyc/ca',
      trustDomain: 'fleet.test',
      subjectAgentId: NODE,
      subjectPubkey: agent.publicKey(),
      nowS: clock.nowS(),
      ttlS: 3600,
    });
    if (!leafOnly.ok) throw new Error('mint');
    issuer.faults.push({
      kind: 'reply',
      reply: { credential: leafOnly.value.header, not_after: leafOnly.value.claims.not_after },
    });
    await expect(agent.renewNow({})).rejects.toMatchObject({
      details: { reason: 'credential_unknown_issuer' },
    });
    expect(agent.credential()).toEqual(held);
    expect(files.chain).toBe(`${held?.chain}\n`);
    // The next real renewal carries the chain again.
    const reply = await agent.renewNow({});
    expect(reply.renewed).toBe(true);
    expect(agent.credential()?.chain).toMatch(/^v1=/);
  });
});

describe('restore at start', () => {
  it('a valid stored credential is held without attesting', async () => {
    const first = await setup();
    await first.agent.renewNow({});
    const keys = await first.keys.load();
    const clock = createFakeClock(T0 + 60_000);
    const issuer = fakeIssuer(clock);
    const agent = await createNodeAgent({
      nodeId: NODE,
      settings: SETTINGS,
      keys: memoryKeyStore(keys.current),
      store: memoryCredentialStore({ ...first.files }),
      publisher: recordingPublisher(),
      metrics: { attempt: () => undefined },
      clock,
      log: silentLog,
      random: () => 0.5,
      issuer: issuer.client,
      joinToken: () => Promise.resolve(undefined),
      trust: { current: () => BUNDLE },
    });
    expect(agent.valid()).toBe(true);
    expect(agent.credential()).toEqual(first.agent.credential());
    expect(issuer.calls.attest).toBe(0);
  });

  it('a stored credential for another key is ignored', async () => {
    const first = await setup();
    await first.agent.renewNow({});
    const { agent } = await setup({ files: { ...first.files } });
    expect(agent.credential()).toBeUndefined();
  });
});

describe('file mode', () => {
  it('re-reads: reference §7 item 12 — loaded into empty, identical, garbled, missing', async () => {
    const source = await setup();
    await source.agent.renewNow({});
    const keys = await source.keys.load();
    const files: MemoryCredentialFiles = { ...source.files };
    const publisher = recordingPublisher();
    const clock = createFakeClock(T0 + 1000);
    const agent = await createNodeAgent({
      nodeId: NODE,
      settings: { ...SETTINGS, mode: 'file' },
      keys: memoryKeyStore(keys.current),
      store: memoryCredentialStore(files),
      publisher,
      metrics: { attempt: () => undefined },
      clock,
      log: silentLog,
      random: () => 0.5,
      issuer: fakeIssuer(clock).client,
      joinToken: () => Promise.resolve(undefined),
      trust: { current: () => BUNDLE },
    });
    expect(agent.credential()).toBeUndefined();
    expect((await agent.renewNow({})).renewed).toBe(true);
    // Exactly one credential.renewed, signed as the subject.
    expect(publisher.events.map((e) => [e.event.type, e.signer, e.event.data['subject']])).toEqual([
      ['credential.renewed', NODE, NODE],
    ]);
    const held = agent.credential();
    expect((await agent.renewNow({})).renewed).toBe(false);
    files.leaf = 'garbage\n';
    await expect(agent.renewNow({})).rejects.toMatchObject({
      details: { reason: 'credential_malformed' },
    });
    await expect(agent.renewNow({})).rejects.toBeInstanceOf(AppError);
    expect(types(publisher)).toEqual(['credential.renewed', 'credential.renewal_failed']);
    delete files.leaf;
    expect((await agent.renewNow({})).renewed).toBe(false);
    expect(agent.credential()).toEqual(held);
    expect(agent.valid()).toBe(true);
  });
});

describe('issuer mode: clock skew', () => {
  // The issuer backdates not_before by 30 s only; an agent whose clock runs 45 s behind must still
  // take fresh credentials (chaos suite: FED_CLOCK_SKEW_MS=-45000), and still refuse expired ones.
  for (const skewMs of [-45_000, 45_000]) {
    it(`attests and renews with a clock ${String(skewMs / 1000)} s off the issuer's`, async () => {
      const issuerClock = createFakeClock(T0);
      const issuer = fakeIssuer(issuerClock);
      const files: MemoryCredentialFiles = {};
      const publisher = recordingPublisher();
      const agent = await createNodeAgent({
        nodeId: NODE,
        settings: SETTINGS,
        keys: memoryKeyStore(),
        store: memoryCredentialStore(files),
        publisher,
        metrics: { attempt: () => undefined },
        clock: { nowMs: () => issuerClock.nowMs() + skewMs },
        log: silentLog,
        random: () => 0.5,
        issuer: issuer.client,
        joinToken: () => Promise.resolve(TOKEN),
        trust: { current: () => BUNDLE },
      });
      expect((await agent.renewNow({})).renewed).toBe(true);
      const first = agent.credential();
      issuerClock.advance(1_000);
      expect((await agent.renewNow({})).renewed).toBe(true);
      expect(agent.credential()).not.toEqual(first);
      expect(types(publisher)).toEqual(['credential.renewed', 'credential.renewed']);
    });
  }

  it('still refuses a fresh credential that is already expired by its clock', async () => {
    const issuerClock = createFakeClock(T0);
    const issuer = fakeIssuer(issuerClock);
    const agent = await createNodeAgent({
      nodeId: NODE,
      settings: SETTINGS,
      keys: memoryKeyStore(),
      store: memoryCredentialStore({}),
      publisher: recordingPublisher(),
      metrics: { attempt: () => undefined },
      // Two hours ahead: the issuer's one-hour credential is expired on arrival.
      clock: { nowMs: () => issuerClock.nowMs() + 7_200_000 },
      log: silentLog,
      random: () => 0.5,
      issuer: issuer.client,
      joinToken: () => Promise.resolve(TOKEN),
      trust: { current: () => BUNDLE },
    });
    await expect(agent.renewNow({})).rejects.toBeInstanceOf(AppError);
    expect(agent.credential()).toBeUndefined();
  });
});
