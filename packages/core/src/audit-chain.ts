import { concatBytes, utf8 } from './bytes.js';
import { sha256 } from './digest.js';

/**
 * The audit hash chain (audit.md, Table):
 *
 * `entry_hash = SHA-256("fedplane/audit/v1" ‖ 0x00 ‖ prev_hash (32) ‖ uint64-BE(seq) ‖
 * body_hash (32) ‖ uint8(len(attest_level)) ‖ attest_level (UTF-8) ‖ uint8(len(signature)) ‖
 * signature)`, an absent signature having length 0; `body_hash = SHA-256(body)`; `prev_hash` of
 * seq 1 is 32 zero bytes, else the `entry_hash` of seq − 1. Each entry hashes the previous entry's
 * hash, so changing any row breaks every later link.
 */

/** Domain-separation prefix of every entry preimage. */
export const AUDIT_ENTRY_DOMAIN = 'fedplane/audit/v1';
/** Size of `prev_hash`, `body_hash` and `entry_hash`. */
export const AUDIT_HASH_BYTES = 32;
/** `prev_hash` of the first entry (seq 1): 32 zero bytes. Treat as read-only. */
export const GENESIS_PREV_HASH: Uint8Array = new Uint8Array(AUDIT_HASH_BYTES);

const DOMAIN_BYTES = concatBytes(utf8(AUDIT_ENTRY_DOMAIN), Uint8Array.of(0x00));
const MAX_SEQ = (1n << 64n) - 1n;
const MAX_FIELD_BYTES = 255;

/** How an event's signature checked out when it was appended (the `attest_level` column). */
export const AttestLevel = {
  credential_signed: 'credential_signed',
  issuer_signed: 'issuer_signed',
  unsigned: 'unsigned',
  invalid_signature: 'invalid_signature',
} as const;
export type AttestLevel = (typeof AttestLevel)[keyof typeof AttestLevel];

/** Levels whose stored signature a verifier re-checks. */
export const SIGNED_ATTEST_LEVELS: ReadonlySet<string> = new Set<string>([
  AttestLevel.credential_signed,
  AttestLevel.issuer_signed,
]);

/** The hashed fields of one entry. `attestLevel` is the stored text, whatever it is. */
export type EntryFields = {
  readonly prevHash: Uint8Array;
  readonly seq: bigint | number;
  readonly bodyHash: Uint8Array;
  readonly attestLevel: string;
  readonly signature: Uint8Array | null;
};

/** One event to append: the exact body bytes, its attest level and its signature (or null). */
export type ChainEvent = {
  readonly body: Uint8Array;
  readonly attestLevel: AttestLevel;
  readonly signature: Uint8Array | null;
};

/** A row as appended: the hashed columns of `audit_events`. */
export type ChainRow = {
  readonly seq: bigint;
  readonly body: Uint8Array;
  readonly bodyHash: Uint8Array;
  readonly attestLevel: AttestLevel;
  readonly signature: Uint8Array | null;
  readonly prevHash: Uint8Array;
  readonly entryHash: Uint8Array;
};

/** The chain position to append after: the last row's seq and entry hash. */
export type ChainHead = { readonly seq: bigint; readonly entryHash: Uint8Array };

/** SHA-256 of the exact event bytes. */
export function bodyHash(body: Uint8Array): Uint8Array {
  return sha256(body);
}

/** The seq as a bigint when it is an integer in [0, 2^64); otherwise null. */
export function toSeq(seq: bigint | number): bigint | null {
  if (typeof seq === 'number') return Number.isSafeInteger(seq) && seq >= 0 ? BigInt(seq) : null;
  return seq >= 0n && seq <= MAX_SEQ ? seq : null;
}

/**
 * True when the fields can be encoded: 32-byte hashes, seq in [0, 2^64), attest level and
 * signature at most 255 bytes each.
 */
export function isEncodableEntry(fields: EntryFields): boolean {
  return (
    fields.prevHash.byteLength === AUDIT_HASH_BYTES &&
    fields.bodyHash.byteLength === AUDIT_HASH_BYTES &&
    toSeq(fields.seq) !== null &&
    utf8(fields.attestLevel).byteLength <= MAX_FIELD_BYTES &&
    (fields.signature?.byteLength ?? 0) <= MAX_FIELD_BYTES
  );
}

/**
 * The exact bytes an entry hash covers (see the module comment). Throws `RangeError` when the
 * fields cannot be encoded (check {@link isEncodableEntry} first for stored, untrusted rows).
 */
export function entryPreimage(fields: EntryFields): Uint8Array {
  const seq = toSeq(fields.seq);
  if (!isEncodableEntry(fields) || seq === null) throw new RangeError('audit entry not encodable');
  const seqBytes = new Uint8Array(8);
  new DataView(seqBytes.buffer).setBigUint64(0, seq);
  const level = utf8(fields.attestLevel);
  const signature = fields.signature ?? new Uint8Array();
  return concatBytes(
    DOMAIN_BYTES,
    fields.prevHash,
    seqBytes,
    fields.bodyHash,
    Uint8Array.of(level.byteLength),
    level,
    Uint8Array.of(signature.byteLength),
    signature,
  );
}

/** SHA-256 of {@link entryPreimage}. Throws `RangeError` like it. */
export function entryHash(fields: EntryFields): Uint8Array {
  return sha256(entryPreimage(fields));
}

/**
 * Builds the rows for a batch of events, in order, after `head` (default: an empty chain, so the
 * first row is seq 1 with {@link GENESIS_PREV_HASH}). Each row's `prevHash` is the previous row's
 * `entryHash`. Pure; throws `RangeError` only for a signature longer than 255 bytes or a head
 * that is not a 32-byte hash (programming errors: signatures are 64 bytes).
 */
export function chainRows(events: readonly ChainEvent[], head?: ChainHead): ChainRow[] {
  let seq = head?.seq ?? 0n;
  let prevHash = head?.entryHash ?? new Uint8Array(AUDIT_HASH_BYTES);
  const rows: ChainRow[] = [];
  for (const event of events) {
    seq += 1n;
    const fields = {
      prevHash,
      seq,
      bodyHash: bodyHash(event.body),
      attestLevel: event.attestLevel,
      signature: event.signature,
    };
    const hash = entryHash(fields);
    rows.push({ ...fields, body: event.body, entryHash: hash });
    prevHash = hash;
  }
  return rows;
}
