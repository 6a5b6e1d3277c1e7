import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkAgentId } from './agent-id.js';
import { parseDuration } from './duration.js';
import { desiredFromInventory, parseInventory, validateInventoryAll } from './inventory.js';
import type { InventoryError } from './inventory-parse.js';
import { INVENTORY_YAML_MAX_CHARS } from './schemas/status.js';

const NODE = `      - id: region/nyc/node-1
        attestor: mtls-cert
        cred_ttl: 1h
        renew_before: 15m
`;

function inventoryWith(nodeBlock: string, tail = 'quorum: { width: 2 }\n'): string {
  return `trust_domain: fleet.example\nregions:\n  - name: nyc\n    nodes:\n${nodeBlock}${tail}`;
}

function parseErrorOf(text: string): InventoryError {
  const r = parseInventory(text);
  if (r.ok) throw new Error(`expected an error for ${JSON.stringify(text)}`);
  return r.error;
}

describe('parseInventory: typed value', () => {
  it('builds the full sample with durations in seconds, regions, roles and posture', () => {
    const text = `trust_domain: fleet.example
root_ca: root
regions:
  - name: nyc
    intermediate_ca: region/nyc/ca
    nodes:
      - id: region/nyc/node-1
        attestor: mtls-cert
        cred_ttl: 1h
        renew_before: 15m
        roles: [writer]
  - name: sfo
    nodes:
      - id: region/sfo/node-1
        attestor: join-token
        cred_ttl: 2 d
        renew_before: 30m
quorum: { width: 2 }
enforcement: { require_sig: true }
`;
    expect(parseInventory(text)).toEqual({
      ok: true,
      value: {
        trustDomain: 'fleet.example',
        rootCa: 'root',
        regions: [{ name: 'nyc', intermediateCa: 'region/nyc/ca' }, { name: 'sfo' }],
        nodes: [
          {
            id: 'region/nyc/node-1',
            region: 'nyc',
            attestor: 'mtls-cert',
            credTtlS: 3_600,
            renewBeforeS: 900,
            roles: ['writer'],
          },
          {
            id: 'region/sfo/node-1',
            region: 'sfo',
            attestor: 'join-token',
            credTtlS: 172_800,
            renewBeforeS: 1_800,
            roles: [],
          },
        ],
        quorumWidth: 2,
        requireSig: true,
      },
    });
  });

  it.each([
    ['no enforcement block', '', null],
    ['enforcement written as null', 'enforcement:\n', null],
    ['require_sig false', 'enforcement: { require_sig: false }\n', false],
    ['require_sig true', 'enforcement: { require_sig: true }\n', true],
  ])('%s gives requireSig %j', (_label, block, requireSig) => {
    const r = parseInventory(inventoryWith(NODE, `quorum: { width: 1 }\n${block}`));
    expect(r.ok && r.value.requireSig).toBe(requireSig);
  });

  it('reads optional keys written with no value as absent', () => {
    const text = `trust_domain: t\nroot_ca:\nregions:\n  - name: a\n    intermediate_ca:\n    nodes:\n  - name: b\n    nodes:\n      - id: n\n        attestor: node-plugin\n        cred_ttl: 2s\n        renew_before: 1s\n        roles:\nquorum: { width: 1 }\n`;
    expect(parseInventory(text)).toEqual({
      ok: true,
      value: {
        trustDomain: 't',
        regions: [{ name: 'a' }, { name: 'b' }],
        nodes: [
          {
            id: 'n',
            region: 'b',
            attestor: 'node-plugin',
            credTtlS: 2,
            renewBeforeS: 1,
            roles: [],
          },
        ],
        quorumWidth: 1,
        requireSig: null,
      },
    });
  });

  it('accepts one explicit document with start and end markers', () => {
    const r = parseInventory(`---\n${inventoryWith(NODE)}...\n`);
    expect(r.ok && r.value.nodes.length).toBe(1);
  });

  it('accepts anchors and aliases within the limit', () => {
    const text = `trust_domain: fleet.example
regions:
  - name: nyc
    nodes:
      - id: a
        attestor: mtls-cert
        cred_ttl: &ttl 1h
        renew_before: 15m
        roles: &roles [reader, writer]
      - id: b
        attestor: mtls-cert
        cred_ttl: *ttl
        renew_before: 15m
        roles: *roles
quorum: { width: 2 }
`;
    const r = parseInventory(text);
    expect(r.ok && r.value.nodes.map((n) => [n.credTtlS, n.roles])).toEqual([
      [3_600, ['reader', 'writer']],
      [3_600, ['reader', 'writer']],
    ]);
  });

  it('desiredFromInventory lists node ids in inventory order with the posture', () => {
    const text = `${inventoryWith(NODE.replace('node-1', 'b') + NODE.replace('node-1', 'a'))}enforcement: { require_sig: false }\n`;
    const r = parseInventory(text);
    if (!r.ok) throw new Error(r.error.message);
    expect(desiredFromInventory(r.value)).toEqual({
      nodes: ['region/nyc/b', 'region/nyc/a'],
      requireSig: false,
    });
  });
});

describe('parseInventory: schema errors are inventory_parse_error', () => {
  const billionLaughs = [
    'a: &a [x, x, x, x, x, x, x, x, x, x]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
  ].join('\n');
  it.each([
    ['duplicate key', 'trust_domain: a\ntrust_domain: b\nquorum: { width: 1 }\n', /DUPLICATE_KEY/],
    [
      'two documents',
      'trust_domain: a\nquorum: { width: 1 }\n---\nx: 1\n',
      /one YAML document, found 2/,
    ],
    ['syntax error', 'trust_domain: [\n', /YAML/],
    ['tab indentation', 'trust_domain: a\nquorum:\n\twidth: 1\n', /YAML/],
    [
      'unresolved custom tag',
      'trust_domain: !secret a\nquorum: { width: 1 }\n',
      /TAG_RESOLVE_FAILED/,
    ],
    ['yaml 1.1 binary tag', 'trust_domain: !!binary aGk=\nquorum: { width: 1 }\n', /TAG/],
    ['undefined alias', 'trust_domain: *nope\nquorum: { width: 1 }\n', /alias/i],
    ['alias bomb', billionLaughs, /alias/i],
    ['complex key', '? [a]\n: 1\ntrust_domain: a\nquorum: { width: 1 }\n', /NON_STRING_KEY/],
    ['empty text', '', /empty/],
    ['comment only', '# nothing here\n', /empty|mapping/],
    ['explicit empty document', '---\n', /mapping/],
    ['scalar document', 'fleet\n', /mapping/],
    ['sequence document', '- trust_domain: a\n', /mapping/],
    ['unknown key', 'trust_domain: a\nquorum: { width: 1 }\nextra: 1\n', /Unrecognized key/],
    ['__proto__ key', 'trust_domain: a\nquorum: { width: 1 }\n__proto__: { x: 1 }\n', /__proto__/],
    [
      'merge key (not enabled)',
      'trust_domain: a\nquorum: { width: 1 }\n<<: { root_ca: r }\n',
      /<</,
    ],
    ['missing trust_domain', 'quorum: { width: 1 }\n', /^trust_domain:/],
    ['missing quorum', 'trust_domain: a\n', /^quorum:/],
    ['missing width', 'trust_domain: a\nquorum: {}\n', /^quorum\.width:/],
    ['fractional width', 'trust_domain: a\nquorum: { width: 1.5 }\n', /^quorum\.width:/],
    ['infinite width', 'trust_domain: a\nquorum: { width: .inf }\n', /^quorum\.width:/],
    ['string width', 'trust_domain: a\nquorum: { width: "2" }\n', /^quorum\.width:/],
    ['numeric trust_domain', 'trust_domain: 12\nquorum: { width: 1 }\n', /^trust_domain:/],
    [
      'yes is not a boolean',
      inventoryWith(NODE, 'quorum: { width: 1 }\nenforcement: { require_sig: yes }\n'),
      /require_sig/,
    ],
    [
      '%YAML 1.1 does not turn yes into true',
      `%YAML 1.1\n---\n${inventoryWith(NODE, 'quorum: { width: 1 }\nenforcement: { require_sig: yes }\n')}`,
      /./,
    ],
    [
      'empty enforcement block',
      inventoryWith(NODE, 'quorum: { width: 1 }\nenforcement: {}\n'),
      /require_sig/,
    ],
    [
      'regions not a list',
      'trust_domain: a\nregions: { name: nyc }\nquorum: { width: 1 }\n',
      /^regions:/,
    ],
    [
      'bare number duration',
      inventoryWith(NODE.replace('15m', '900')),
      /renew_before: must be a string such as "15m"/,
    ],
    [
      'missing attestor',
      inventoryWith(NODE.replace('        attestor: mtls-cert\n', '')),
      /attestor/,
    ],
    ['unknown attestor', inventoryWith(NODE.replace('mtls-cert', 'tpm')), /attestor/],
    [
      'numeric role',
      inventoryWith(NODE.replace('15m\n', '15m\n        roles: [1]\n')),
      /roles\[0\]/,
    ],
    [
      'unknown node key',
      inventoryWith(NODE.replace('15m\n', '15m\n        ttl: 1h\n')),
      /regions\[0\]\.nodes\[0\]: Unrecognized key/,
    ],
  ])('%s', (_label, text, message) => {
    const error = parseErrorOf(text);
    expect(error.tag).toBe('inventory_parse_error');
    expect(error.message).toMatch(message);
    expect(Object.keys(error).sort()).toEqual(['message', 'tag']);
  });
});

describe('parseInventory: validation errors carry their details', () => {
  it.each([
    ['trust_domain: " "\nquorum: { width: 0 }\n', { tag: 'inventory_empty_trust_domain' }],
    ['trust_domain: a\nquorum: { width: -3 }\n', { tag: 'inventory_invalid_quorum_width' }],
    [
      'trust_domain: a\nregions: [{ name: "" }]\nquorum: { width: 1 }\n',
      { tag: 'inventory_empty_region_name' },
    ],
    [
      inventoryWith(NODE.replace('region/nyc/node-1', "'a b'")),
      { tag: 'inventory_invalid_node_id', node: 'a b' },
    ],
    [
      inventoryWith(NODE.replace('15m', "' 0m '")),
      {
        tag: 'inventory_invalid_duration',
        node: 'region/nyc/node-1',
        field: 'renew_before',
        value: ' 0m ',
      },
    ],
    [
      inventoryWith(NODE.replace('15m', '3600s')),
      { tag: 'inventory_renew_before_not_shorter_than_ttl', node: 'region/nyc/node-1' },
    ],
    [inventoryWith(NODE + NODE), { tag: 'inventory_duplicate_node_id', node: 'region/nyc/node-1' }],
  ])('%#', (text, expected) => {
    const error = parseErrorOf(text);
    expect(error).toMatchObject(expected);
    expect(Object.keys(error).sort()).toEqual([...Object.keys(expected), 'message'].sort());
    expect(error.message.length).toBeGreaterThan(0);
  });
});

describe('validateInventoryAll', () => {
  it('reports every violation in rule order', () => {
    const text = `trust_domain: ""
regions:
  - name: ""
    nodes:
      - id: ../x
        attestor: mtls-cert
        cred_ttl: soon
        renew_before: never
      - id: ok
        attestor: mtls-cert
        cred_ttl: 1h
        renew_before: 1h
  - name: sfo
    nodes:
      - id: ok
        attestor: mtls-cert
        cred_ttl: 1h
        renew_before: 15m
quorum: { width: 0 }
`;
    const r = validateInventoryAll(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.tag, e.node, e.field])).toEqual([
      ['inventory_empty_trust_domain', undefined, undefined],
      ['inventory_invalid_quorum_width', undefined, undefined],
      ['inventory_empty_region_name', undefined, undefined],
      ['inventory_invalid_node_id', '../x', undefined],
      ['inventory_invalid_duration', '../x', 'cred_ttl'],
      ['inventory_invalid_duration', '../x', 'renew_before'],
      ['inventory_renew_before_not_shorter_than_ttl', 'ok', undefined],
      ['inventory_duplicate_node_id', 'ok', undefined],
    ]);
  });

  it('reports every schema problem', () => {
    const r = validateInventoryAll('trust_domain: 1\nquorum: { width: x }\nextra: true\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.length).toBe(3);
    expect(r.errors.every((e) => e.tag === 'inventory_parse_error')).toBe(true);
  });

  it('returns the same value as parseInventory on success', () => {
    const text = inventoryWith(NODE);
    expect(validateInventoryAll(text)).toEqual(parseInventory(text));
  });
});

// A structured generator of inventories that may break any rule, and an oracle that applies the
// rules sequentially with early return (independent of the collect-all implementation).
type GenNode = { id: string; attestor: string; cred_ttl: string; renew_before: string };
type GenInventory = {
  trust_domain: string;
  regions: { name: string; nodes: GenNode[] }[];
  quorum: { width: number };
};

const genNode = fc.record({
  id: fc.constantFrom('n1', 'n2', 'region/a/n3', '../x', '/abs', 'bad id', ''),
  attestor: fc.constantFrom('mtls-cert', 'node-plugin', 'join-token'),
  cred_ttl: fc.constantFrom('1h', '60m', '2h', 'soon', '0h', '10'),
  renew_before: fc.constantFrom('15m', '1h', '3h', 'never', '0s', '5 m'),
});
const genInventory: fc.Arbitrary<GenInventory> = fc.record({
  trust_domain: fc.constantFrom('fleet', '', '  '),
  regions: fc.array(
    fc.record({
      name: fc.constantFrom('nyc', 'sfo', '', ' '),
      nodes: fc.array(genNode, { maxLength: 4 }),
    }),
    { maxLength: 3 },
  ),
  quorum: fc.record({ width: fc.integer({ min: -1, max: 3 }) }),
});

function oracleFirst(inv: GenInventory): { tag: string; node?: string; field?: string } | null {
  if (inv.trust_domain.trim() === '') return { tag: 'inventory_empty_trust_domain' };
  if (inv.quorum.width < 1) return { tag: 'inventory_invalid_quorum_width' };
  const seen = new Set<string>();
  for (const region of inv.regions) {
    if (region.name.trim() === '') return { tag: 'inventory_empty_region_name' };
    for (const n of region.nodes) {
      if (!checkAgentId(n.id).ok) return { tag: 'inventory_invalid_node_id', node: n.id };
      const ttl = parseDuration(n.cred_ttl);
      if (!ttl.ok) return { tag: 'inventory_invalid_duration', node: n.id, field: 'cred_ttl' };
      const rb = parseDuration(n.renew_before);
      if (!rb.ok) return { tag: 'inventory_invalid_duration', node: n.id, field: 'renew_before' };
      if (rb.seconds >= ttl.seconds) {
        return { tag: 'inventory_renew_before_not_shorter_than_ttl', node: n.id };
      }
      if (seen.has(n.id)) return { tag: 'inventory_duplicate_node_id', node: n.id };
      seen.add(n.id);
    }
  }
  return null;
}

describe('properties', () => {
  it('parseInventory reports the first violation an early-return oracle finds, and it heads validateInventoryAll', () => {
    fc.assert(
      fc.property(genInventory, (inv) => {
        const text = stringify(inv);
        const first = parseInventory(text);
        const all = validateInventoryAll(text);
        const expected = oracleFirst(inv);
        if (expected === null) {
          expect(first.ok).toBe(true);
          expect(all.ok).toBe(true);
          const count = inv.regions.reduce((sum, r) => sum + r.nodes.length, 0);
          expect(first.ok && first.value.nodes.length).toBe(count);
          return;
        }
        expect(first.ok).toBe(false);
        expect(all.ok).toBe(false);
        if (first.ok || all.ok) return;
        expect(first.error).toMatchObject(expected);
        expect(all.errors[0]).toEqual(first.error);
      }),
      { numRuns: 500 },
    );
  });

  it('survives pathological nesting and size without throwing', () => {
    for (const text of [
      `trust_domain: ${'['.repeat(50_000)}`,
      `trust_domain: a\nquorum: { width: 1 }\nregions: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
      `${'a: '.repeat(10_000)}b\n`,
      `trust_domain: ${'x'.repeat(1_000_000)}\nquorum: { width: 1 }\n`,
      `trust_domain: a\nquorum: { width: 1 }\n#${'x'.repeat(INVENTORY_YAML_MAX_CHARS)}\n`,
    ]) {
      const r = parseInventory(text);
      expect(r.ok ? 'ok' : r.error.tag).toMatch(/^(ok|inventory_)/);
    }
  });

  it('refuses text over the KV size limit, accepts it at the limit', () => {
    const head = 'trust_domain: a\nquorum: { width: 1 }\n#';
    const atLimit = head + 'x'.repeat(INVENTORY_YAML_MAX_CHARS - head.length);
    expect(parseInventory(atLimit).ok).toBe(true);
    expect(parseErrorOf(`${atLimit}x`).message).toMatch(/larger than/);
  });

  it('never throws on arbitrary text and always returns a typed error or value (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const r = parseInventory(text);
        if (!r.ok) {
          expect(r.error.tag).toMatch(/^inventory_/);
          expect(typeof r.error.message).toBe('string');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on YAML-shaped noise (fuzz)', () => {
    const token = fc.constantFrom(
      'trust_domain:',
      'quorum:',
      'width:',
      'regions:',
      'nodes:',
      '- ',
      'id:',
      'name:',
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      ' ',
      '\n',
      '  ',
      '&a',
      '*a',
      '!!str',
      '!x',
      '"',
      "'",
      '#',
      '---',
      '...',
      '1h',
      '0',
      '2',
      'true',
      'null',
      '~',
      '? ',
      '<<:',
      '%YAML 1.1\n',
      '|',
      '>',
      '\t',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => {
        const text = tokens.join('');
        const r = parseInventory(text);
        const all = validateInventoryAll(text);
        if (!r.ok) {
          expect(r.error.tag).toMatch(/^inventory_/);
          expect(all.ok || all.errors[0]).toEqual(r.error);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
