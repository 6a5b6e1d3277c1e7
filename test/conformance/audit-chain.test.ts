import { afterAll, describe, expect, it } from 'vitest';
import {
  chainRows,
  entryHash,
  entryPreimage,
  type ChainEvent,
} from '../../packages/core/src/audit-chain.js';
import {
  checkpointBytes,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from '../../packages/core/src/audit-checkpoint.js';
import { verifyChainRows, type StoredChainRow } from '../../packages/core/src/audit-verify.js';
import { publicKeyFromSeed, signEd25519 } from '../../packages/core/src/ed25519.js';
import { hex, loadVectors, type VectorCase } from './vectors.js';

type Hex = string;
type ChainCase = {
  events: {
    seq: number;
    body: string;
    body_hex: Hex;
    attest_level: string;
    signer_seed: Hex | null;
    signer: string | null;
  }[];
  expect: {
    rows: {
      seq: number;
      body_hash: Hex;
      signature: Hex | null;
      signer_public_key: Hex | null;
      attest_level: string;
      prev_hash: Hex;
      entry_preimage: Hex;
      entry_hash: Hex;
    }[];
    head: Hex;
  };
};
type CheckpointCase = {
  checkpoint: { log: string; size: number; head: Hex; at: string };
  auditor_seed: Hex;
  expect: { json: string; json_hex: Hex; signature: Hex; sig: string; auditor_public_key: Hex };
};
type EntryHashCase = {
  prev_hash: Hex;
  seq: number;
  body_hash: Hex;
  attest_level: string;
  signature: Hex | null;
  expect: { preimage: Hex; entry_hash: Hex };
};
type VerifyCase = {
  rows: {
    seq: number;
    body_hex: Hex;
    body_hash: Hex;
    signature: Hex | null;
    signer_public_key: Hex | null;
    attest_level: string;
    prev_hash: Hex;
    entry_hash: Hex;
  }[];
  checkpoint: { size: number; head: Hex } | null;
  expect: Record<string, unknown>;
};

const toHex = (bytes: Uint8Array | null): Hex | null =>
  bytes === null ? null : Buffer.from(bytes).toString('hex');
const orNull = (text: Hex | null): Uint8Array | null => (text === null ? null : hex(text));

const v = loadVectors('audit-chain.json');
afterAll(() => v.assertAllRan());

function runChain(c: ChainCase): void {
  const events: ChainEvent[] = c.events.map((e) => {
    expect(Buffer.from(e.body, 'utf8').toString('hex')).toBe(e.body_hex);
    const body = hex(e.body_hex);
    return {
      body,
      attestLevel: e.attest_level as ChainEvent['attestLevel'],
      signature: e.signer_seed === null ? null : signEd25519(hex(e.signer_seed), body),
    };
  });
  const rows = chainRows(events);
  expect(rows).toHaveLength(c.expect.rows.length);
  rows.forEach((row, i) => {
    const want = c.expect.rows[i]!;
    const seed = c.events[i]!.signer_seed;
    expect(Number(row.seq)).toBe(want.seq);
    expect(Number(row.seq)).toBe(c.events[i]!.seq);
    expect(toHex(row.bodyHash)).toBe(want.body_hash);
    expect(toHex(row.signature)).toBe(want.signature);
    expect(seed === null ? null : toHex(publicKeyFromSeed(hex(seed)))).toBe(want.signer_public_key);
    expect(row.attestLevel).toBe(want.attest_level);
    expect(toHex(row.prevHash)).toBe(want.prev_hash);
    expect(toHex(entryPreimage(row))).toBe(want.entry_preimage);
    expect(toHex(row.entryHash)).toBe(want.entry_hash);
  });
  expect(toHex(rows[rows.length - 1]!.entryHash)).toBe(c.expect.head);
  const report = verifyChainRows(
    rows.map((row, i) => ({
      ...row,
      signerPublicKey: orNull(c.expect.rows[i]!.signer_public_key),
    })),
    { size: rows.length, head: c.expect.head },
  );
  expect(report).toEqual({
    rows_checked: rows.length,
    first_break: null,
    signature_failures: [],
    checkpoint: 'ok',
  });
}

function runCheckpoint(c: CheckpointCase): void {
  const bytes = checkpointBytes(c.checkpoint);
  expect(Buffer.from(bytes).toString('utf8')).toBe(c.expect.json);
  expect(toHex(bytes)).toBe(c.expect.json_hex);
  const seed = hex(c.auditor_seed);
  expect(toHex(publicKeyFromSeed(seed))).toBe(c.expect.auditor_public_key);
  const signed = signCheckpoint(seed, c.checkpoint);
  expect(toHex(signed.bytes)).toBe(c.expect.json_hex);
  expect(toHex(signEd25519(seed, bytes))).toBe(c.expect.signature);
  expect(signed.sig).toBe(c.expect.sig);
  expect(parseCheckpoint(hex(c.expect.json_hex))).toEqual({ ok: true, checkpoint: c.checkpoint });
  expect(
    verifyCheckpoint(hex(c.expect.auditor_public_key), hex(c.expect.json_hex), c.expect.sig),
  ).toEqual({ ok: true, checkpoint: c.checkpoint });
}

function runEntryHash(c: EntryHashCase): void {
  const fields = {
    prevHash: hex(c.prev_hash),
    seq: BigInt(c.seq),
    bodyHash: hex(c.body_hash),
    attestLevel: c.attest_level,
    signature: orNull(c.signature),
  };
  expect(toHex(entryPreimage(fields))).toBe(c.expect.preimage);
  expect(toHex(entryHash(fields))).toBe(c.expect.entry_hash);
  expect(toHex(entryHash({ ...fields, seq: c.seq }))).toBe(c.expect.entry_hash);
}

function runVerify(c: VerifyCase): void {
  const rows: StoredChainRow[] = c.rows.map((r) => ({
    seq: BigInt(r.seq),
    body: hex(r.body_hex),
    signature: orNull(r.signature),
    signerPublicKey: orNull(r.signer_public_key),
    attestLevel: r.attest_level,
    prevHash: hex(r.prev_hash),
    entryHash: hex(r.entry_hash),
  }));
  const report = verifyChainRows(rows, c.checkpoint);
  for (const [key, value] of Object.entries(c.expect)) {
    expect(report[key as keyof typeof report], key).toEqual(value);
  }
  expect(Object.keys(report).sort()).toEqual(Object.keys(c.expect).sort());
}

describe('audit-chain.json', () => {
  it.each(v.cases)('$name', (c: VectorCase) => {
    switch (c.kind ?? '') {
      case 'chain':
        runChain(c as unknown as ChainCase);
        break;
      case 'checkpoint':
        runCheckpoint(c as unknown as CheckpointCase);
        break;
      case 'entry_hash':
        runEntryHash(c as unknown as EntryHashCase);
        break;
      case 'verify':
        runVerify(c as unknown as VerifyCase);
        break;
      default:
        throw new Error(`unknown kind ${String(c.kind)}`);
    }
    v.ran(c.name);
  });
});
