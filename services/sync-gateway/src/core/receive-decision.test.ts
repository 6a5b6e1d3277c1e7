import { utf8 } from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { decideReceive, type ReceiveInput } from './receive-decision.js';
import { toVersion } from './record-version.js';

const record = {
  id: 'm-1',
  namespace: 'team/a',
  title: 't',
  content: 'c',
  updated_at: '2026-01-01T00:00:00.000Z',
};
const base: ReceiveInput = {
  self: 'node-a',
  origin: 'node-b',
  body: utf8(canonicalJson(record)),
  signature: { kind: 'verified', signer: 'node-b' },
  requireSig: true,
  originMayWrite: () => true,
};

describe('decideReceive', () => {
  it('skips the node’s own records', () => {
    expect(decideReceive({ ...base, origin: 'node-a' })).toEqual({ kind: 'own' });
  });

  it('applies a verified, valid, in-scope record', () => {
    const d = decideReceive(base);
    expect(d).toMatchObject({ kind: 'apply', verified: true, validated: { kind: 'memory' } });
  });

  it('hands on the bytes as received: the version hashes them, as the origin did', () => {
    const carried = { ...record, tags: ['b', 'a'], metadata: { z: 1, a: { y: [2, 1], b: null } } };
    const body = utf8(canonicalJson(carried));
    const d = decideReceive({ ...base, body });
    if (d.kind !== 'apply') throw new Error(`expected apply, got ${d.kind}`);
    expect(d.bytes).toBe(body);
    const received = toVersion(d.validated, 'node-b', d.bytes);
    const rewritten = toVersion(d.validated, 'node-b');
    expect(received?.bytes).toBe(body);
    expect(received?.contentHash).toBe(rewritten?.contentHash);
    expect(received?.bytes).toEqual(rewritten?.bytes);
  });

  it('dead-letters a record carrying U+0000 (no replica can store it) as invalid', () => {
    const body = utf8(canonicalJson({ ...record, carried: { k: 'a\u0000' } }));
    expect(decideReceive({ ...base, body })).toMatchObject({
      kind: 'dead_letter',
      class: 'invalid',
      recordId: 'm-1',
      detail: 'U+0000 cannot be stored: carried.k',
    });
  });

  it('applies tombstones', () => {
    const tomb = { id: 'm-1', namespace: 'team/a', deleted: true, updated_at: record.updated_at };
    const d = decideReceive({ ...base, body: utf8(canonicalJson(tomb)) });
    expect(d).toMatchObject({ kind: 'apply', validated: { kind: 'tombstone' } });
  });

  it.each([
    [{ kind: 'unsigned' } as const, 'not signed'],
    [{ kind: 'invalid', reason: 'credential_expired' } as const, 'credential_expired'],
    [{ kind: 'verified', signer: 'node-c' } as const, 'not by the origin'],
  ])('dead-letters %j as unauthenticated under strict posture', (signature, detail) => {
    const d = decideReceive({ ...base, signature });
    expect(d).toMatchObject({ kind: 'dead_letter', class: 'unauthenticated' });
    expect(d.kind === 'dead_letter' && d.detail).toContain(detail);
  });

  it('applies unverified records under permissive posture', () => {
    const d = decideReceive({ ...base, signature: { kind: 'unsigned' }, requireSig: false });
    expect(d).toMatchObject({ kind: 'apply', verified: false });
  });

  it('dead-letters bytes that are not canonical JSON', () => {
    for (const body of [utf8('{"b":1,"a":2}'), utf8('nope'), Uint8Array.of(0xff, 0xfe)]) {
      expect(decideReceive({ ...base, body })).toMatchObject({ class: 'invalid' });
    }
  });

  it('dead-letters invalid records with their id, namespace and issues', () => {
    const bad = { ...record, title: '   ', priority: 99 };
    const d = decideReceive({ ...base, body: utf8(canonicalJson(bad)) });
    expect(d).toMatchObject({
      kind: 'dead_letter',
      class: 'invalid',
      recordId: 'm-1',
      namespace: 'team/a',
    });
    expect(d.kind === 'dead_letter' && d.detail).toContain('title');
  });

  it('dead-letters records outside the origin’s scope', () => {
    const d = decideReceive({ ...base, originMayWrite: (ns) => ns !== 'team/a' });
    expect(d).toMatchObject({ kind: 'dead_letter', class: 'out_of_scope', recordId: 'm-1' });
  });
});
