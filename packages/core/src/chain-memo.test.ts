import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeChain, verifyChain, type ChainInput, type ChainVerifier } from './chain.js';
import { createChainMemo } from './chain-memo.js';
import { issueCredential } from './credential-issue.js';
import type { VerifierBundle } from './credential-verify.js';
import { publicKeyFromSeed } from './ed25519.js';

const NOW = 1_900_000_000;
const seed = (n: number) => new Uint8Array(32).fill(n);
const bundleOf = (...seeds: number[]): VerifierBundle => ({
  trustDomain: 'fleet.example',
  keys: new Map(
    seeds.map((n) => [n === 1 ? 'root' : `root-${String(n)}`, publicKeyFromSeed(seed(n))]),
  ),
});

function issue(issuer: [number, string], subject: string, subjectSeed: number, ttlS: number) {
  const result = issueCredential({
    issuerSeed: seed(issuer[0]),
    issuerId: issuer[1],
    trustDomain: 'fleet.example',
    subjectAgentId: subject,
    subjectPubkey: publicKeyFromSeed(seed(subjectSeed)),
    nowS: NOW,
    ttlS,
  });
  if (!result.ok) throw new Error(result.error.tag);
  return result.value;
}

/** A leaf valid for an hour under an intermediate that expires after a minute. */
const ca = issue([1, 'root'], 'region/nyc/ca', 3, 60);
const leaf = issue([3, 'region/nyc/ca'], 'region/nyc/node-1', 7, 3_600);
const direct = issue([1, 'root'], 'region/nyc/node-2', 8, 3_600);
const chain = encodeChain([ca.envelope]);

function counting(): { verify: ChainVerifier; calls: () => number } {
  let calls = 0;
  return {
    verify: (input) => {
      calls += 1;
      return verifyChain(input);
    },
    calls: () => calls,
  };
}

describe('chain memo', () => {
  it('verifies a credential presented many times in one second once', () => {
    const { verify, calls } = counting();
    const memo = createChainMemo({ verify });
    const bundle = bundleOf(1);
    for (let i = 0; i < 50; i += 1) {
      const result = memo({ leaf: leaf.header, chain, bundle, nowS: NOW });
      expect(result.ok && result.value.subject_agent_id).toBe('region/nyc/node-1');
    }
    expect(calls()).toBe(1);
    memo({ leaf: direct.header, bundle, nowS: NOW });
    expect(calls()).toBe(2);
  });

  it('answers as verifyChain at every second: an intermediate expiring before its leaf', () => {
    const memo = createChainMemo();
    const bundle = bundleOf(1);
    for (let nowS = NOW + 55; nowS <= NOW + 65; nowS += 1) {
      for (let i = 0; i < 3; i += 1) {
        const input: ChainInput = { leaf: leaf.header, chain, bundle, nowS };
        expect(memo(input)).toEqual(verifyChain(input));
      }
    }
    expect(memo({ leaf: leaf.header, chain, bundle, nowS: NOW + 65 }).ok).toBe(false);
  });

  it('a new bundle object takes effect at once (a removed root)', () => {
    const memo = createChainMemo();
    expect(memo({ leaf: direct.header, bundle: bundleOf(1), nowS: NOW }).ok).toBe(true);
    expect(memo({ leaf: direct.header, bundle: bundleOf(2), nowS: NOW })).toEqual(
      verifyChain({ leaf: direct.header, bundle: bundleOf(2), nowS: NOW }),
    );
    expect(memo({ leaf: direct.header, bundle: bundleOf(2), nowS: NOW }).ok).toBe(false);
  });

  it('keeps an absent chain, an empty one and another depth apart', () => {
    const memo = createChainMemo();
    const bundle = bundleOf(1);
    expect(memo({ leaf: direct.header, bundle, nowS: NOW }).ok).toBe(true);
    const empty = { leaf: direct.header, chain: '', bundle, nowS: NOW };
    expect(memo(empty)).toEqual(verifyChain(empty));
    expect(memo(empty).ok).toBe(false);
    expect(memo({ leaf: leaf.header, chain, bundle, nowS: NOW }).ok).toBe(true);
    const shallow = { leaf: leaf.header, chain, bundle, nowS: NOW, maxDepth: 0 };
    expect(memo(shallow)).toEqual(verifyChain(shallow));
  });

  it('stays bounded and still right when full', () => {
    const { verify, calls } = counting();
    const memo = createChainMemo({ maxEntries: 2, verify });
    const bundle = bundleOf(1);
    const inputs = [
      { leaf: direct.header, bundle, nowS: NOW },
      { leaf: leaf.header, chain, bundle, nowS: NOW },
      { leaf: 'v1=AAAA', bundle, nowS: NOW },
    ];
    for (const input of [...inputs, ...inputs]) expect(memo(input)).toEqual(verifyChain(input));
    expect(calls()).toBeGreaterThan(2);
  });

  it('equals verifyChain over arbitrary sequences of inputs (property)', () => {
    const bundles = [bundleOf(1), bundleOf(2), bundleOf(1, 2)];
    const leaves = [leaf.header, direct.header, 'v1=AAAA', ''];
    const chains = [undefined, null, '', chain];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            leaf: fc.constantFrom(...leaves),
            chain: fc.constantFrom(...chains),
            bundle: fc.constantFrom(...bundles),
            // Few instants, around every boundary, so the memo is hit as often as missed.
            nowS: fc.constantFrom(NOW - 31, NOW, NOW + 60, NOW + 61, NOW + 3_600, NOW + 3_601),
          }),
          { maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 4 }),
        (inputs, maxEntries) => {
          const memo = createChainMemo({ maxEntries });
          for (const input of inputs) expect(memo(input)).toEqual(verifyChain(input));
        },
      ),
      { numRuns: 200 },
    );
  });
});
