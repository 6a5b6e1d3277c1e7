import { toHex } from './bytes.js';

/**
 * A small strict CBOR (RFC 8949) reader (the writer is `cbor-encode.ts`).
 *
 * It decodes exactly one complete, well-formed item into a tagged tree. Integers, strings,
 * definite arrays and definite maps are decoded; every other well-formed item (tags, simple
 * values, floats, indefinite-length items) is checked in full and represented as an `other`
 * node so that unknown values can be skipped. Duplicate map keys, truncation, trailing bytes,
 * reserved additional-information values, invalid UTF-8 and nesting beyond a depth cap are typed
 * errors. Declared lengths are checked against the remaining input before anything is allocated.
 */

/** A decoded CBOR item. Byte-string values are views into the decoded input. */
export type CborItem =
  | { readonly kind: 'uint'; readonly value: bigint }
  | { readonly kind: 'nint'; readonly value: bigint }
  | { readonly kind: 'bytes'; readonly value: Uint8Array }
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'array'; readonly items: readonly CborItem[] }
  | { readonly kind: 'map'; readonly entries: readonly CborMapEntry[] }
  | { readonly kind: 'other'; readonly major: number };

/** One entry of a decoded map, in input order. */
export type CborMapEntry = { readonly key: CborItem; readonly value: CborItem };

/** Why bytes are not one well-formed CBOR item. `offset` is where the problem was found. */
export type CborErrorTag =
  | 'cbor_truncated'
  | 'cbor_trailing_bytes'
  | 'cbor_reserved_info'
  | 'cbor_invalid_utf8'
  | 'cbor_duplicate_key'
  | 'cbor_too_deep'
  | 'cbor_length_exceeds_input'
  | 'cbor_not_well_formed';

/** A CBOR decoding failure. */
export type CborError = { readonly tag: CborErrorTag; readonly offset: number };

/** Result of {@link decodeCbor}. */
export type CborDecodeResult =
  | { readonly ok: true; readonly value: CborItem }
  | { readonly ok: false; readonly error: CborError };

/** Default cap on nesting below the top item (arrays, maps and tags count one level each). */
export const CBOR_MAX_DEPTH = 64;

// ignoreBOM keeps a leading U+FEFF as a character instead of silently dropping it.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Internal control flow only: never escapes {@link decodeCbor}. */
class CborFailure extends Error {
  constructor(
    readonly tag: CborErrorTag,
    readonly offset: number,
  ) {
    super(tag);
  }
}

type Head = {
  readonly major: number;
  readonly info: number;
  readonly argument: bigint;
  readonly start: number;
};

class Reader {
  offset = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxDepth: number,
  ) {}

  remaining(): number {
    return this.bytes.byteLength - this.offset;
  }

  fail(tag: CborErrorTag, offset = this.offset): never {
    throw new CborFailure(tag, offset);
  }

  byte(): number {
    const b = this.bytes[this.offset];
    if (b === undefined) this.fail('cbor_truncated');
    this.offset += 1;
    return b;
  }

  take(length: number): Uint8Array {
    if (length > this.remaining()) this.fail('cbor_length_exceeds_input');
    const view = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }

  head(): Head {
    const start = this.offset;
    const initial = this.byte();
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (info < 24) return { major, info, argument: BigInt(info), start };
    if (info >= 28 && info <= 30) this.fail('cbor_reserved_info', start);
    if (info === 31) return { major, info, argument: 0n, start };
    const size = 1 << (info - 24);
    if (size > this.remaining()) this.fail('cbor_truncated');
    let argument = 0n;
    for (let i = 0; i < size; i++) argument = (argument << 8n) | BigInt(this.byte());
    return { major, info, argument, start };
  }

  /** A declared length, checked against what is left (each unit needs at least `unit` bytes). */
  length(argument: bigint, unit: number): number {
    if (argument * BigInt(unit) > BigInt(this.remaining())) this.fail('cbor_length_exceeds_input');
    return Number(argument);
  }

  item(depth: number): CborItem {
    if (depth > this.maxDepth) this.fail('cbor_too_deep');
    const h = this.head();
    if (h.info === 31) return this.indefinite(h, depth);
    switch (h.major) {
      case 0:
        return { kind: 'uint', value: h.argument };
      case 1:
        return { kind: 'nint', value: -1n - h.argument };
      case 2:
        return { kind: 'bytes', value: this.take(this.length(h.argument, 1)) };
      case 3:
        return { kind: 'text', value: this.text(this.take(this.length(h.argument, 1)), h.start) };
      case 4: {
        const count = this.length(h.argument, 1);
        const items: CborItem[] = [];
        for (let i = 0; i < count; i++) items.push(this.item(depth + 1));
        return { kind: 'array', items };
      }
      case 5:
        return { kind: 'map', entries: this.mapEntries(this.length(h.argument, 2), depth) };
      case 6:
        this.item(depth + 1);
        return { kind: 'other', major: 6 };
      default:
        return this.simple(h);
    }
  }

  mapEntries(count: number | 'indefinite', depth: number): CborMapEntry[] {
    const entries: CborMapEntry[] = [];
    const seen = new Set<string>();
    for (let i = 0; count === 'indefinite' ? !this.atBreak() : i < count; i++) {
      const keyStart = this.offset;
      const key = this.item(depth + 1);
      const identity = keyIdentity(key, this.bytes.subarray(keyStart, this.offset));
      if (seen.has(identity)) this.fail('cbor_duplicate_key', keyStart);
      seen.add(identity);
      entries.push({ key, value: this.item(depth + 1) });
    }
    return entries;
  }

  /** True (and consumes it) when the next byte is a break; a missing byte is truncation. */
  atBreak(): boolean {
    const next = this.bytes[this.offset];
    if (next === undefined) this.fail('cbor_truncated');
    if (next !== 0xff) return false;
    this.offset += 1;
    return true;
  }

  indefinite(h: Head, depth: number): CborItem {
    switch (h.major) {
      case 2:
      case 3:
        // Chunks must be definite strings of the same major type.
        while (!this.atBreak()) {
          const chunk = this.head();
          if (chunk.major !== h.major || chunk.info === 31)
            this.fail('cbor_not_well_formed', chunk.start);
          const body = this.take(this.length(chunk.argument, 1));
          if (h.major === 3) this.text(body, chunk.start);
        }
        return { kind: 'other', major: h.major };
      case 4:
        while (!this.atBreak()) this.item(depth + 1);
        return { kind: 'other', major: 4 };
      case 5:
        this.mapEntries('indefinite', depth);
        return { kind: 'other', major: 5 };
      default:
        // Indefinite integers or tags, or a break outside an indefinite item.
        return this.fail('cbor_not_well_formed', h.start);
    }
  }

  simple(h: Head): CborItem {
    // Major 7: simple values and floats. A one-byte simple value below 32 is not well-formed.
    if (h.info === 24 && h.argument < 32n) this.fail('cbor_not_well_formed', h.start);
    return { kind: 'other', major: 7 };
  }

  text(bytes: Uint8Array, start: number): string {
    try {
      return strictUtf8.decode(bytes);
    } catch {
      return this.fail('cbor_invalid_utf8', start);
    }
  }
}

/**
 * Identity of a map key for duplicate detection: integers, text and byte strings compare by
 * value (so a non-shortest length or argument cannot disguise a duplicate); any other key
 * compares by its exact encoded bytes.
 */
function keyIdentity(key: CborItem, encoded: Uint8Array): string {
  switch (key.kind) {
    case 'uint':
    case 'nint':
      return `i:${key.value.toString()}`;
    case 'text':
      return `t:${key.value}`;
    case 'bytes':
      return `b:${toHex(key.value)}`;
    case 'array':
    case 'map':
    case 'other':
      return `r:${toHex(encoded)}`;
  }
}

/**
 * Decodes exactly one CBOR item from `bytes`.
 * Input: any bytes (attacker-controlled). Output: the item tree, or a typed error for
 * truncation, trailing bytes, reserved additional info, invalid UTF-8, duplicate map keys,
 * nesting deeper than `maxDepth` (default {@link CBOR_MAX_DEPTH}), declared lengths beyond the
 * input and other ill-formed encodings. Never throws; allocates nothing from declared lengths
 * before checking them against the remaining input.
 */
export function decodeCbor(
  bytes: Uint8Array,
  options: { readonly maxDepth?: number } = {},
): CborDecodeResult {
  const reader = new Reader(bytes, options.maxDepth ?? CBOR_MAX_DEPTH);
  try {
    const value = reader.item(0);
    if (reader.remaining() !== 0)
      return { ok: false, error: { tag: 'cbor_trailing_bytes', offset: reader.offset } };
    return { ok: true, value };
  } catch (err) {
    if (err instanceof CborFailure)
      return { ok: false, error: { tag: err.tag, offset: err.offset } };
    throw err;
  }
}
