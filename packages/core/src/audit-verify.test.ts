import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AttestLevel,
  chainRows,
  entryHash,
  type ChainEvent,
  type ChainRow,
} from './audit-chain.js';
import {
  createChainVerification,
  finishChainVerification,
  stepChainVerification,
  verifyChainRows,
  type StoredChainRow,
} from './audit-verify.js';
import { toHex, utf8 } from './bytes.js';
import { publicKeyFromSeed, signEd25519 } from './ed25519.js';

const seed = new Uint8Array(32).fill(5);
const publicKey = publicKeyFromSeed(seed);

type Spec = { text: string; level: AttestLevel };

function buildChain(specs: readonly Spec[]): (ChainRow & StoredChainRow)[] {
  const events: ChainEvent[] = specs.map(({ text, level }) => {
    const body = utf8(text);
    const signed = level !== AttestLevel.unsigned;
    return { body, attestLevel: level, signature: signed ? signEd25519(seed, body) : null };
  });
  return chainRows(events).map((row) => ({
    ...row,
    signerPublicKey: row.signature === null ? null : publicKey,
  }));
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  text: fc.string({ minLength: 1, maxLength: 12 }),
  level: fc.constantFrom(
    AttestLevel.credential_signed,
    AttestLevel.issuer_signed,
    AttestLevel.unsigned,
    AttestLevel.invalid_signature,
  ),
});

const clean = (n: number, checkpoint: 'ok' | 'none' = 'none') => ({
  rows_checked: n,
  first_break: null,
  signature_failures: [],
  checkpoint,
});

describe('verifyChainRows', () => {
  const chain = buildChain([
    { text: 'one', level: AttestLevel.issuer_signed },
    { text: 'two', level: AttestLevel.credential_signed },
    { text: 'three', level: AttestLevel.unsigned },
    { text: 'four', level: AttestLevel.invalid_signature },
  ]);
  const head = (i: number) => toHex(chain[i]!.entryHash);

  it('accepts an intact chain, with or without a checkpoint', () => {
    expect(verifyChainRows(chain)).toEqual(clean(4));
    expect(verifyChainRows(chain, { size: 4, head: head(3) })).toEqual(clean(4, 'ok'));
    expect(verifyChainRows(chain, { size: 2n, head: head(1) })).toEqual(clean(4, 'ok'));
    expect(verifyChainRows([])).toEqual(clean(0));
  });

  it.each([
    ['head of another row', { size: 4, head: '' }],
    ['size past the end', { size: 5, head: '' }],
    ['size zero', { size: 0, head: '' }],
    ['head not hex', { size: 4, head: 'zz' }],
    ['head upper-case', { size: 4, head: 'UPPER' }],
    ['size not an integer', { size: 1.5, head: '' }],
  ])('reports a checkpoint mismatch: %s', (_name, cp) => {
    const headText =
      cp.head === '' ? head(2) : cp.head === 'UPPER' ? head(3).toUpperCase() : cp.head;
    expect(verifyChainRows(chain, { size: cp.size, head: headText }).checkpoint).toBe('mismatch');
  });

  it('checks signatures only on signed levels and requires a key', () => {
    const noKey = chain.map((row, i) => (i === 1 ? { ...row, signerPublicKey: null } : row));
    expect(verifyChainRows(noKey).signature_failures).toEqual([2]);
    const otherKey = publicKeyFromSeed(new Uint8Array(32).fill(6));
    const wrong = chain.map((row) => ({ ...row, signerPublicKey: otherKey }));
    expect(verifyChainRows(wrong).signature_failures).toEqual([1, 2]);
  });

  it('reports a seq gap at the row after it and realigns', () => {
    const gap = [chain[0]!, chain[2]!, chain[3]!];
    expect(verifyChainRows(gap)).toMatchObject({ rows_checked: 3, first_break: 3 });
  });

  it('reports a row whose seq is not an integer at the expected seq', () => {
    const bad = chain.map((row, i) => (i === 1 ? { ...row, seq: -3 } : row));
    expect(verifyChainRows(bad).first_break).toBe(2);
  });

  it('treats a row that cannot be encoded as a break, without throwing', () => {
    const bad = chain.map((row, i) => (i === 2 ? { ...row, attestLevel: 'x'.repeat(300) } : row));
    expect(verifyChainRows(bad).first_break).toBe(3);
  });

  it('walks in pages with the same result, and resumes after a row', () => {
    const paged = [chain.slice(0, 1), chain.slice(1, 3), chain.slice(3)].reduce(
      (state, page) => page.reduce(stepChainVerification, state),
      createChainVerification({ checkpoint: { size: 3, head: head(2) } }),
    );
    expect(finishChainVerification(paged)).toEqual(clean(4, 'ok'));
    const resumed = chain
      .slice(2)
      .reduce(
        stepChainVerification,
        createChainVerification({ after: { seq: 2n, entryHash: chain[1]!.entryHash } }),
      );
    expect(finishChainVerification(resumed)).toEqual(clean(2));
    const wrongResume = chain
      .slice(2)
      .reduce(
        stepChainVerification,
        createChainVerification({ after: { seq: 2n, entryHash: chain[0]!.entryHash } }),
      );
    expect(finishChainVerification(wrongResume).first_break).toBe(3);
  });

  it('a rewrite from a row on is self-consistent but fails the checkpoint', () => {
    const specs: Spec[] = [
      { text: 'one', level: AttestLevel.unsigned },
      { text: 'two', level: AttestLevel.unsigned },
    ];
    const original = buildChain(specs);
    const rewritten = buildChain([specs[0]!, { text: 'TWO', level: AttestLevel.unsigned }]);
    const cp = { size: 2, head: toHex(original[1]!.entryHash) };
    expect(verifyChainRows(rewritten, cp)).toEqual({ ...clean(2), checkpoint: 'mismatch' });
  });

  it('detects every single-byte corruption of a body, prev_hash, entry_hash or signature', () => {
    type Field = 'body' | 'prevHash' | 'entryHash' | 'signature';
    fc.assert(
      fc.property(
        fc.array(specArb, { minLength: 1, maxLength: 6 }),
        fc.record({
          rowPick: fc.nat(),
          field: fc.constantFrom<Field>('body', 'prevHash', 'entryHash', 'signature'),
          bytePick: fc.nat(),
          xor: fc.integer({ min: 1, max: 255 }),
        }),
        (specs, { rowPick, field, bytePick, xor }) => {
          const rows = buildChain(specs);
          expect(verifyChainRows(rows)).toEqual(clean(rows.length));
          const index = rowPick % rows.length;
          const target = rows[index]!;
          const original = target[field];
          fc.pre(original !== null && original.byteLength > 0);
          const corrupted = Uint8Array.from(original);
          const at = bytePick % corrupted.byteLength;
          corrupted[at] = corrupted[at]! ^ xor;
          const tampered = rows.map((row, i) =>
            i === index ? { ...row, [field]: corrupted } : row,
          );
          const report = verifyChainRows(tampered);
          expect(report.first_break !== null || report.signature_failures.length > 0).toBe(true);
        },
      ),
    );
  });

  it('never throws on arbitrary rows', () => {
    const rowArb: fc.Arbitrary<StoredChainRow> = fc.record({
      seq: fc.oneof(fc.integer(), fc.bigInt(), fc.double()),
      body: fc.uint8Array({ maxLength: 8 }),
      signature: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }),
      signerPublicKey: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null }),
      attestLevel: fc.oneof(fc.constantFrom(...Object.values(AttestLevel)), fc.string()),
      prevHash: fc.uint8Array({ maxLength: 40 }),
      entryHash: fc.uint8Array({ maxLength: 40 }),
    });
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 5 }), (rows) => {
        const report = verifyChainRows(rows, { size: 1, head: '00' });
        expect(report.rows_checked).toBe(rows.length);
      }),
    );
  });

  it('entry hashes in a built chain recompute', () => {
    for (const row of chain) expect(entryHash(row)).toEqual(row.entryHash);
  });
});
