import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseEvent } from './event.js';
import {
  EVENT_TYPES,
  SUBJECT_KINDS,
  isEventType,
  parseCatalogedEvent,
  parseEventData,
  parseEventDataAs,
  type EventType,
} from './events-catalog.js';
import { EVENT_EXAMPLES } from './events-examples.js';
import { EventTypeNameSchema } from './event.js';
import { SERVICE_NAMES } from './primitives.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TYPES = Object.keys(EVENT_TYPES) as EventType[];

/** Every distinct event body in the audit-chain vectors, as bytes. */
function vectorBodies(): Uint8Array[] {
  type Item = { body?: string; body_hex?: string };
  type Case = { events?: Item[]; rows?: Item[] };
  const file = JSON.parse(readFileSync(`${ROOT}test/vectors/audit-chain.json`, 'utf8')) as {
    cases: Case[];
  };
  const seen = new Set<string>();
  for (const c of file.cases) {
    for (const item of [...(c.events ?? []), ...(c.rows ?? [])]) {
      if (item.body_hex === undefined) continue;
      if (item.body !== undefined)
        expect(Buffer.from(item.body_hex, 'hex').toString('utf8')).toBe(item.body);
      seen.add(item.body_hex);
    }
  }
  return [...seen].map((hex) => new Uint8Array(Buffer.from(hex, 'hex')));
}

describe('audit-chain vector bodies', () => {
  const bodies = vectorBodies();

  it('has bodies to check', () => {
    expect(bodies.length).toBeGreaterThanOrEqual(5);
  });

  it.each(bodies.map((b) => [Buffer.from(b).toString('utf8').slice(0, 90), b] as const))(
    'parses %s',
    (_label, body) => {
      const envelope = parseEvent(body);
      expect(envelope.ok ? [] : envelope.error).toEqual([]);
      if (!envelope.ok) return;
      const data = parseEventData(envelope.value.type, envelope.value.data);
      expect(data.ok ? [] : data.error).toEqual([]);
      expect(parseCatalogedEvent(body).ok).toBe(true);
    },
  );
});

/** The design directory: a copy in docs/design when the repository carries one, else ../shared. */
function designDir(): string {
  const candidates = [`${ROOT}docs/design`, `${ROOT}../shared/design`];
  const found = candidates.find((dir) => existsSync(dir));
  if (found === undefined) throw new Error(`design docs not found in ${candidates.join(', ')}`);
  return found;
}

/** Backticked `area.name` tokens that are not event types. */
const NOT_EVENTS = new Set(['quorum.width', 'details.reason']);

/** Backticked `area.name` tokens of a text, without file names and {@link NOT_EVENTS}. */
function dottedNames(text: string): string[] {
  return [...text.matchAll(/`([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)`/g)]
    .map((m) => m[1] ?? '')
    .filter((name) => !name.endsWith('.md') && !NOT_EVENTS.has(name));
}

describe('catalog covers the design', () => {
  const dir = designDir();
  const docs = readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => readFileSync(`${dir}/${f}`, 'utf8'));
  const named = new Set<string>();
  const onEventsLines = new Set<string>();
  for (const text of docs) {
    for (const name of dottedNames(text)) named.add(name);
    for (const m of text.matchAll(/fed\.evt\.([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)/g))
      named.add(m[1] ?? '');
    // An "Events:" paragraph or list item, or a "## Events…" section.
    const blocks = [
      ...text.split(/\n\s*\n|\n(?=- )/).filter((b) => /^(- )?Events:/.test(b.trim())),
      ...text.split(/^## /m).filter((section) => section.startsWith('Events')),
    ];
    for (const block of blocks) {
      for (const name of dottedNames(block)) onEventsLines.add(name);
    }
  }

  it('finds the Events lists, and every type they list is catalogued', () => {
    expect(onEventsLines.size).toBeGreaterThanOrEqual(20);
    expect([...onEventsLines].filter((n) => !isEventType(n)).sort()).toEqual([]);
  });

  it('catalogues every event type the design names', () => {
    expect([...named].filter((n) => !isEventType(n)).sort()).toEqual([]);
  });

  it('catalogues nothing the design does not name', () => {
    expect(TYPES.filter((t) => !named.has(t)).sort()).toEqual([]);
  });
});

describe('EVENT_TYPES entries', () => {
  it.each(TYPES)('%s is well formed and its example parses', (type) => {
    const entry = EVENT_TYPES[type];
    expect(EventTypeNameSchema.safeParse(type).success).toBe(true);
    expect(Object.values(SERVICE_NAMES)).toContain(entry.emitter);
    expect(Object.values(SUBJECT_KINDS)).toContain(entry.subjectKind);
    expect(entry.description.length).toBeGreaterThan(10);
    expect(entry.description).not.toMatch(/\n/);
    expect(parseEventData(type, EVENT_EXAMPLES[type])).toMatchObject({ ok: true, type });
    expect(parseEventDataAs(type, EVENT_EXAMPLES[type]).ok).toBe(true);
  });
});

describe('parseEventData', () => {
  it.each(['nope.nothing', '__proto__', 'toString', 'constructor', ''])(
    'rejects unknown type %j',
    (type) => {
      expect(isEventType(type)).toBe(false);
      expect(parseEventData(type, {})).toEqual({ ok: false, error: { tag: 'unknown_type', type } });
    },
  );

  it('lists the issues of invalid data', () => {
    const result = parseEventData('enforcement.changed', { require_sig: 'yes', revision: 3, x: 1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ tag: 'invalid_data', type: 'enforcement.changed' });
    if (result.error.tag !== 'invalid_data') return;
    expect(result.error.issues.map((i) => i.path).sort()).toEqual(['', 'require_sig']);
  });

  it('returns typed data for a known type', () => {
    const result = parseEventDataAs('approval.decided', EVENT_EXAMPLES['approval.decided']);
    expect(result.ok && result.value.decision).toBe('approve');
    expect(parseEventDataAs('approval.decided', { decision: 'maybe' }).ok).toBe(false);
  });
});

describe('parseCatalogedEvent', () => {
  const envelope = {
    id: '01ba60d3-481b-717d-a941-108ba23a21f0',
    type: 'enforcement.changed',
    actor: 'svc/reconciler/r-1',
    at: '2030-03-17T17:46:44.123Z',
    data: { require_sig: true, revision: 3 },
  };

  it('parses envelope and data', () => {
    const result = parseCatalogedEvent(JSON.stringify(envelope));
    expect(result).toEqual({ ok: true, value: envelope });
  });

  it('reports envelope errors first', () => {
    const result = parseCatalogedEvent('{');
    expect(!result.ok && result.error.tag).toBe('invalid_json');
  });

  it('reports unknown types and invalid data', () => {
    const unknown = parseCatalogedEvent(JSON.stringify({ ...envelope, type: 'x.y' }));
    expect(!unknown.ok && unknown.error.tag).toBe('unknown_type');
    const invalid = parseCatalogedEvent(JSON.stringify({ ...envelope, data: { revision: 3 } }));
    expect(!invalid.ok && invalid.error.tag).toBe('invalid_data');
  });
});
