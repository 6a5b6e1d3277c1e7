/**
 * The CBOR (RFC 8949) writer for the subset the wire formats use: integers in shortest form (up
 * to 64 bits), text, bytes, definite arrays, and definite maps whose keys are written in the order
 * given (never re-sorted: the credential claims use plain string order, not RFC 8949 §4.2.1
 * order). The reader is `cbor.ts`.
 */

/** A value the writer accepts. Arrays are definite arrays; maps are built with {@link cborMap}. */
export type CborWritable =
  number | bigint | string | Uint8Array | readonly CborWritable[] | CborWritableMap;

/** A definite map whose entries are written in the given order. */
export type CborWritableMap = {
  readonly kind: 'map';
  readonly entries: readonly (readonly [CborWritable, CborWritable])[];
};

/** A map for {@link encodeCbor}; keys are written in exactly this order. */
export function cborMap(
  entries: readonly (readonly [CborWritable, CborWritable])[],
): CborWritableMap {
  return { kind: 'map', entries };
}

const UINT64_MAX = (1n << 64n) - 1n;
const textEncoder = new TextEncoder();

/**
 * Encodes a value as CBOR. Integers (safe-integer numbers or bigints in [-2^64, 2^64 - 1]) use
 * the shortest form; lengths are definite. Throws `RangeError` for a value outside the subset
 * (a programmer error, never a wire input).
 */
export function encodeCbor(value: CborWritable): Uint8Array {
  const out: number[] = [];
  writeValue(out, value);
  return Uint8Array.from(out);
}

function writeValue(out: number[], value: CborWritable): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new RangeError('CBOR writer: integers only (safe range)');
    writeInteger(out, BigInt(value));
  } else if (typeof value === 'bigint') {
    writeInteger(out, value);
  } else if (typeof value === 'string') {
    const bytes = textEncoder.encode(value);
    writeHead(out, 3, BigInt(bytes.byteLength));
    pushBytes(out, bytes);
  } else if (value instanceof Uint8Array) {
    writeHead(out, 2, BigInt(value.byteLength));
    pushBytes(out, value);
  } else if (isWritableMap(value)) {
    writeHead(out, 5, BigInt(value.entries.length));
    for (const [k, v] of value.entries) {
      writeValue(out, k);
      writeValue(out, v);
    }
  } else {
    writeHead(out, 4, BigInt(value.length));
    for (const item of value) writeValue(out, item);
  }
}

function isWritableMap(value: readonly CborWritable[] | CborWritableMap): value is CborWritableMap {
  return !Array.isArray(value);
}

function pushBytes(out: number[], bytes: Uint8Array): void {
  for (const b of bytes) out.push(b);
}

function writeInteger(out: number[], value: bigint): void {
  if (value >= 0n) {
    if (value > UINT64_MAX) throw new RangeError('CBOR writer: integer above 2^64 - 1');
    writeHead(out, 0, value);
  } else {
    const n = -1n - value;
    if (n > UINT64_MAX) throw new RangeError('CBOR writer: integer below -2^64');
    writeHead(out, 1, n);
  }
}

function writeHead(out: number[], major: number, argument: bigint): void {
  const top = major << 5;
  if (argument < 24n) {
    out.push(top | Number(argument));
    return;
  }
  const size = argument <= 0xffn ? 1 : argument <= 0xffffn ? 2 : argument <= 0xffffffffn ? 4 : 8;
  out.push(top | (size === 1 ? 24 : size === 2 ? 25 : size === 4 ? 26 : 27));
  for (let i = size - 1; i >= 0; i--) out.push(Number((argument >> BigInt(8 * i)) & 0xffn));
}
