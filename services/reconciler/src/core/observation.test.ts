import { describe, expect, it } from 'vitest';
import {
  credentialId,
  fromBase64,
  issueCredential,
  publicKeyFromSeed,
  signEd25519,
  formatEd25519Header,
  utf8,
  type VerifierBundle,
} from '@fedplane/core';
import { observe, verifyStatus, type StatusRecord, type StatusVerdict } from './observation.js';

const NOW_S = 1_900_000_000;
const NOW_MS = NOW_S * 1000;
const ROOT = new Uint8Array(32).fill(1);
const KEY = new Uint8Array(32).fill(7);
const OTHER = new Uint8Array(32).fill(8);
const bundle: VerifierBundle = {
  trustDomain: 'fleet.example',
  keys: new Map([['root', publicKeyFromSeed(ROOT)]]),
};

function credential(subject: string, ttlS = 3600, issuerSeed: Uint8Array = ROOT) {
  const issued = issueCredential({
    issuerSeed,
    issuerId: 'root',
    trustDomain: 'fleet.example',
    subjectAgentId: subject,
    subjectPubkey: publicKeyFromSeed(KEY),
    nowS: NOW_S - 10,
    ttlS,
  });
  if (!issued.ok) throw new Error(issued.error.tag);
  return issued.value;
}

type RecordOptions = {
  subjectNode?: string;
  credSubject?: string;
  bodyNode?: string;
  signSeed?: Uint8Array;
  issuerSeed?: Uint8Array;
  ttlS?: number;
  body?: Record<string, unknown> | string;
  at?: string;
  canSign?: boolean;
  noHeaders?: boolean;
};

function record(options: RecordOptions = {}): StatusRecord {
  const node = options.subjectNode ?? 'region/nyc/n1';
  const cred = credential(options.credSubject ?? node, options.ttlS, options.issuerSeed);
  const body =
    typeof options.body === 'string'
      ? options.body
      : JSON.stringify(
          options.body ?? {
            node_id: options.bodyNode ?? node,
            credential_id: 'ab'.repeat(32),
            issuer_id: 'root',
            not_before: cred.claims.not_before,
            not_after: cred.claims.not_after,
            can_sign: options.canSign ?? true,
            agent_version: 'test',
            last_renewal_at: null,
            ...(options.at === undefined ? {} : { at: options.at }),
          },
        );
  const bytes = utf8(body);
  return {
    nodeId: node,
    seq: 1,
    body: bytes,
    headers:
      options.noHeaders === true
        ? { signature: undefined, credential: undefined, chain: undefined, issuer: undefined }
        : {
            signature: formatEd25519Header(signEd25519(options.signSeed ?? KEY, bytes)),
            credential: cred.header,
            chain: undefined,
            issuer: undefined,
          },
    arrivedAtMs: NOW_MS - 1_000,
  };
}

describe('verifyStatus', () => {
  it('accepts a status signed under its own verified credential', () => {
    const r = record();
    const verdict = verifyStatus(r, bundle, NOW_S);
    const envelope = fromBase64((r.headers.credential ?? '').slice(3))?.slice();
    expect(verdict).toEqual({
      ok: true,
      claimsCanSign: true,
      credentialId: envelope === undefined ? '' : credentialId(envelope),
      notAfter: NOW_S - 10 + 3600,
      builtAtMs: undefined,
    });
  });

  it.each<[string, RecordOptions, string]>([
    ['a signature by another key', { signSeed: OTHER }, 'bad_signature'],
    ['a credential from an unknown issuer key', { issuerSeed: OTHER }, 'credential_bad_signature'],
    ['a credential about another node', { credSubject: 'region/nyc/n2' }, 'actor_mismatch'],
    ['a body about another node', { bodyNode: 'region/nyc/n2' }, 'status_node_mismatch'],
    ['a body that is not a status', { body: { hello: 1 } }, 'status_body_invalid'],
    ['a body that is not JSON', { body: 'status' }, 'status_body_invalid'],
    ['no signing headers', { noHeaders: true }, 'status_unsigned'],
  ])('refuses %s', (_name, options, reason) => {
    expect(verifyStatus(record(options), bundle, NOW_S)).toEqual({ ok: false, reason });
  });

  it('refuses an expired credential and works without a bundle', () => {
    const expired = verifyStatus(record({ ttlS: 5 }), bundle, NOW_S);
    expect(expired.ok).toBe(false);
    expect(verifyStatus(record(), undefined, NOW_S)).toEqual({
      ok: false,
      reason: 'no_trust_bundle',
    });
  });

  it('reads the body timestamp', () => {
    const verdict = verifyStatus(record({ at: '2030-03-17T17:46:00.000Z' }), bundle, NOW_S);
    expect(verdict.ok && verdict.builtAtMs).toBe(Date.parse('2030-03-17T17:46:00.000Z'));
  });
});

describe('observe', () => {
  const ok = (over: Partial<Extract<StatusVerdict, { ok: true }>> = {}): StatusVerdict => ({
    ok: true,
    claimsCanSign: true,
    credentialId: 'cd'.repeat(32),
    notAfter: NOW_S + 3600,
    builtAtMs: undefined,
    ...over,
  });
  const rec = (nodeId: string, arrivedAtMs = NOW_MS - 1_000): StatusRecord => ({
    nodeId,
    seq: 1,
    body: new Uint8Array(),
    headers: { signature: undefined, credential: undefined, chain: undefined, issuer: undefined },
    arrivedAtMs,
  });
  const base = { nowMs: NOW_MS, statusTtlMs: 60_000, minRemainingS: 120, strictEnforced: true };

  it('keeps input order, lists failures, and carries the posture', () => {
    const got = observe({
      ...base,
      statuses: [
        { record: rec('b'), verdict: ok() },
        { record: rec('x'), verdict: { ok: false, reason: 'bad_signature' } },
        { record: rec('a'), verdict: ok() },
      ],
    });
    expect(got.observed.nodes.map((n) => n.id)).toEqual(['b', 'a']);
    expect(got.observed.strictEnforced).toBe(true);
    expect(got.unverified).toEqual([{ node_id: 'x', reason: 'bad_signature' }]);
    expect(got.observed.nodes[0]?.evidence).toEqual({
      credentialId: 'cd'.repeat(32),
      notAfter: NOW_S + 3600,
      statusAt: new Date(NOW_MS - 1_000).toISOString(),
    });
  });

  it('present within the TTL (inclusive), counted from the earlier of arrival and body time', () => {
    const got = observe({
      ...base,
      statuses: [
        { record: rec('edge', NOW_MS - 60_000), verdict: ok() },
        { record: rec('old', NOW_MS - 60_001), verdict: ok() },
        { record: rec('stale-body'), verdict: ok({ builtAtMs: NOW_MS - 120_000 }) },
        { record: rec('future-body'), verdict: ok({ builtAtMs: NOW_MS + 999_000 }) },
      ],
    });
    expect(got.observed.nodes.map((n) => [n.id, n.present, n.canSign])).toEqual([
      ['edge', true, true],
      ['old', false, false],
      ['stale-body', false, false],
      ['future-body', true, true],
    ]);
  });

  it('can sign only when present, claimed, and lasting at least the minimum', () => {
    const got = observe({
      ...base,
      statuses: [
        { record: rec('exact'), verdict: ok({ notAfter: NOW_S + 120 }) },
        { record: rec('short'), verdict: ok({ notAfter: NOW_S + 119 }) },
        { record: rec('says-no'), verdict: ok({ claimsCanSign: false }) },
      ],
    });
    expect(got.observed.nodes.map((n) => [n.id, n.present, n.canSign])).toEqual([
      ['exact', true, true],
      ['short', true, false],
      ['says-no', true, false],
    ]);
  });
});
