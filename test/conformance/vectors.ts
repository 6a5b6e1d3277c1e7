import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** A conformance case: a unique name, an optional kind, and whatever the file defines. */
export type VectorCase = {
  readonly name: string;
  readonly kind?: string;
  readonly expect: unknown;
} & Readonly<Record<string, unknown>>;

export type VectorFile = {
  readonly cases: readonly VectorCase[];
  /** Marks a case as exercised; call it at the end of the case's test. */
  readonly ran: (name: string) => void;
  /** Fails unless every case of the file was exercised exactly once (call in `afterAll`). */
  readonly assertAllRan: () => void;
};

const VECTORS_DIR = fileURLToPath(new URL('../vectors/', import.meta.url));

/** Loads `test/vectors/<file>` (a copy of `../shared/conformance/<file>`, kept identical). */
export function loadVectors(file: string): VectorFile {
  const parsed = JSON.parse(readFileSync(VECTORS_DIR + file, 'utf8')) as { cases: VectorCase[] };
  const cases = parsed.cases;
  const names = cases.map((c) => c.name);
  if (new Set(names).size !== names.length) throw new Error(`${file}: duplicate case names`);
  const seen = new Map<string, number>();
  return {
    cases,
    ran: (name) => seen.set(name, (seen.get(name) ?? 0) + 1),
    assertAllRan: () => {
      const missing = names.filter((n) => seen.get(n) !== 1);
      expect(missing, `${file}: cases not exercised exactly once`).toEqual([]);
      expect(seen.size).toBe(names.length);
    },
  };
}

/** Hex text → bytes (test-side, independent of the core's decoder). */
export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}
