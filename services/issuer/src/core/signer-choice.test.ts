import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chooseLeafSigner,
  intermediateIdFor,
  lineageTtl,
  type SignerChoiceInput,
} from './signer-choice.js';

const NOW = 1_900_000_000;
const DAY = 86_400;

const input = (over: Partial<SignerChoiceInput> = {}): SignerChoiceInput => ({
  nodeId: 'region/nyc/node-1',
  region: 'nyc',
  intermediate: { issuerId: 'region/nyc/ca', notAfter: NOW + DAY, anchorKnown: true },
  nowS: NOW,
  ttlS: 3600,
  intermediateTtlS: DAY,
  lastNotAfter: null,
  ...over,
});

describe('chooseLeafSigner', () => {
  it('names a region intermediate region/<name>/ca', () => {
    expect(intermediateIdFor('nyc')).toBe('region/nyc/ca');
  });

  it('uses the root without a region or without an intermediate', () => {
    expect(chooseLeafSigner(input({ region: null }))).toEqual({ kind: 'root', ttlS: 3600 });
    expect(chooseLeafSigner(input({ intermediate: undefined }))).toEqual({
      kind: 'root',
      ttlS: 3600,
    });
  });

  it('uses the root for a node outside the intermediate namespace', () => {
    expect(chooseLeafSigner(input({ nodeId: 'node-1' }))).toEqual({ kind: 'root', ttlS: 3600 });
    expect(chooseLeafSigner(input({ nodeId: 'region/nyceast/n' }))).toMatchObject({ kind: 'root' });
  });

  it('uses the intermediate inside its namespace', () => {
    expect(chooseLeafSigner(input())).toEqual({ kind: 'intermediate', ttlS: 3600 });
  });

  it('re-mints an intermediate that would not cover the leaf, or whose anchor left the bundle', () => {
    expect(
      chooseLeafSigner(
        input({
          intermediate: { issuerId: 'region/nyc/ca', notAfter: NOW + 3599, anchorKnown: true },
        }),
      ),
    ).toEqual({ kind: 'remint_intermediate', ttlS: 3600 });
    expect(
      chooseLeafSigner(
        input({
          intermediate: { issuerId: 'region/nyc/ca', notAfter: NOW + DAY, anchorKnown: false },
        }),
      ),
    ).toEqual({ kind: 'remint_intermediate', ttlS: 3600 });
  });

  it('caps a leaf longer than an intermediate lifetime', () => {
    expect(chooseLeafSigner(input({ ttlS: 10 * DAY }))).toEqual({
      kind: 'intermediate',
      ttlS: DAY,
    });
    expect(
      chooseLeafSigner(
        input({
          ttlS: 10 * DAY,
          intermediate: { issuerId: 'region/nyc/ca', notAfter: NOW + 100, anchorKnown: true },
        }),
      ),
    ).toEqual({ kind: 'remint_intermediate', ttlS: DAY });
  });

  it('raises the TTL so a leaf expires strictly after the previous one of its lineage', () => {
    expect(lineageTtl(3600, NOW, null)).toBe(3600);
    expect(lineageTtl(3600, NOW, NOW + 100)).toBe(3600);
    expect(lineageTtl(3600, NOW, NOW + 3600)).toBe(3601);
    expect(lineageTtl(3600, NOW, NOW + 3602)).toBe(3603);
    expect(chooseLeafSigner(input({ region: null, lastNotAfter: NOW + 3600 }))).toEqual({
      kind: 'root',
      ttlS: 3601,
    });
    // An intermediate that would not cover the raised TTL is re-minted first.
    expect(
      chooseLeafSigner(
        input({
          lastNotAfter: NOW + 3600,
          intermediate: { issuerId: 'region/nyc/ca', notAfter: NOW + 3600, anchorKnown: true },
        }),
      ),
    ).toEqual({ kind: 'remint_intermediate', ttlS: 3601 });
  });

  it('property: root-signed leaves of a lineage always expire later', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: DAY }),
        fc.option(fc.integer({ min: NOW - DAY, max: NOW + 2 * DAY }), { nil: null }),
        (ttlS, lastNotAfter) => {
          const d = chooseLeafSigner(input({ region: null, ttlS, lastNotAfter }));
          expect(d.ttlS).toBeGreaterThanOrEqual(ttlS);
          if (lastNotAfter !== null) expect(NOW + d.ttlS).toBeGreaterThan(lastNotAfter);
        },
      ),
    );
  });

  it('property: the leaf never outlives a usable intermediate and TTL stays in 1..ttlS', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 * DAY }),
        fc.integer({ min: -DAY, max: 2 * DAY }),
        fc.boolean(),
        (ttlS, remaining, anchorKnown) => {
          const d = chooseLeafSigner(
            input({
              ttlS,
              intermediate: { issuerId: 'region/nyc/ca', notAfter: NOW + remaining, anchorKnown },
            }),
          );
          expect(d.ttlS).toBeGreaterThanOrEqual(1);
          expect(d.ttlS).toBeLessThanOrEqual(ttlS);
          if (d.kind === 'intermediate') expect(NOW + d.ttlS).toBeLessThanOrEqual(NOW + remaining);
          if (d.kind === 'remint_intermediate') expect(d.ttlS).toBeLessThanOrEqual(DAY);
        },
      ),
    );
  });
});
