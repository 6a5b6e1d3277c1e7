import { describe, expect, it } from 'vitest';
import { nulCharPaths } from './nul-chars.js';

describe('nulCharPaths', () => {
  it('is empty for a record without NUL', () => {
    expect(nulCharPaths({ id: 'a', tags: ['x'], metadata: { k: 'v', n: 1, b: null } })).toEqual([]);
  });

  it('finds NUL in values, nested values, array items and keys', () => {
    const record = {
      id: 'a',
      content: 'x\u0000y',
      metadata: { deep: { v: '\u0000' }, ['k\u0000']: 1 },
      tags: ['ok', 'b\u0000'],
    };
    expect(nulCharPaths(record, 'memories.0')).toEqual([
      'memories.0.content',
      'memories.0.metadata.deep.v',
      'memories.0.metadata.k\\u0000',
      'memories.0.tags.1',
    ]);
  });

  it('names the record itself for a bare string and caps the list', () => {
    expect(nulCharPaths('\u0000')).toEqual(['(record)']);
    const many = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`k${String(i)}`, '\u0000']),
    );
    expect(nulCharPaths(many, '', 3)).toHaveLength(3);
  });
});
