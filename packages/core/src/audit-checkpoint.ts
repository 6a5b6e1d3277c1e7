import { fromUtf8, utf8 } from './bytes.js';
import { signEd25519, verifyEd25519 } from './ed25519.js';
import { isRfc3339 } from './rfc3339.js';
import { formatEd25519Header, parseEd25519Header } from './signature-header.js';

/**
 * Signed audit checkpoints (audit.md, Checkpoints): the auditor signs
 * `{"log":"fedplane-audit","size":<last seq>,"head":"<hex entry_hash at size>","at":"<RFC 3339>"}`
 * — exactly these keys in this order, no whitespace — with its credential key. The signature is
 * `ed25519=` + base64 over those exact bytes; verifiers check it over the carried bytes, then
 * parse them.
 */

/** The `log` name of fedplane's audit chain. */
export const AUDIT_LOG_NAME = 'fedplane-audit';

/** A checkpoint: the chain had `size` rows and the entry hash of row `size` was `head`. */
export type AuditCheckpoint = {
  readonly log: string;
  readonly size: number;
  /** Lower-case hex of the 32-byte entry hash at `size`. */
  readonly head: string;
  /** When it was signed, RFC 3339. */
  readonly at: string;
};

/** Why checkpoint bytes were refused. */
export type CheckpointProblem =
  | 'not_utf8'
  | 'not_json'
  | 'not_object'
  | 'wrong_keys'
  | 'bad_log'
  | 'bad_size'
  | 'bad_head'
  | 'bad_at'
  | 'not_canonical';

/** Result of {@link parseCheckpoint}. */
export type CheckpointParse =
  | { readonly ok: true; readonly checkpoint: AuditCheckpoint }
  | {
      readonly ok: false;
      readonly error: { readonly tag: 'checkpoint_malformed'; readonly problem: CheckpointProblem };
    };

/** Result of {@link verifyCheckpoint}. */
export type CheckpointVerification =
  | CheckpointParse
  | {
      readonly ok: false;
      readonly error: {
        readonly tag:
          | 'x_memory_sig_missing'
          | 'x_memory_sig_unknown_algorithm'
          | 'x_memory_sig_malformed'
          | 'checkpoint_bad_signature';
      };
    };

/** A signed checkpoint as stored and published: the exact bytes and their signature header. */
export type SignedCheckpoint = { readonly bytes: Uint8Array; readonly sig: string };

const HEAD = /^[0-9a-f]{64}$/;
const KEYS = ['log', 'size', 'head', 'at'];

function problemOf(cp: AuditCheckpoint): CheckpointProblem | null {
  if (cp.log !== AUDIT_LOG_NAME) return 'bad_log';
  if (!Number.isSafeInteger(cp.size) || cp.size < 1) return 'bad_size';
  if (!HEAD.test(cp.head)) return 'bad_head';
  if (!isRfc3339(cp.at)) return 'bad_at';
  return null;
}

/**
 * The exact checkpoint bytes: JSON with keys `log, size, head, at` in that order and no
 * whitespace. Throws `RangeError` for a checkpoint that is not well formed (log not
 * `fedplane-audit`, size not a positive safe integer, head not 64 lower-case hex, at not
 * RFC 3339): the auditor builds these, so that is a programming error.
 */
export function checkpointBytes(cp: AuditCheckpoint): Uint8Array {
  const problem = problemOf(cp);
  if (problem !== null) throw new RangeError(`invalid checkpoint: ${problem}`);
  return utf8(JSON.stringify({ log: cp.log, size: cp.size, head: cp.head, at: cp.at }));
}

/** Signs a checkpoint with the auditor's 32-byte seed: the bytes and the `ed25519=` header. */
export function signCheckpoint(seed: Uint8Array, cp: AuditCheckpoint): SignedCheckpoint {
  const bytes = checkpointBytes(cp);
  return { bytes, sig: formatEd25519Header(signEd25519(seed, bytes)) };
}

/**
 * Parses checkpoint bytes strictly: UTF-8 JSON object with exactly the four keys, well-formed
 * values, and byte-for-byte the canonical form {@link checkpointBytes} produces (so one
 * checkpoint has one encoding). Never throws.
 */
export function parseCheckpoint(bytes: Uint8Array): CheckpointParse {
  const text = fromUtf8(bytes);
  if (text === undefined) return malformed('not_utf8');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return malformed('not_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return malformed('not_object');
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length !== KEYS.length || !KEYS.every((key) => keys.includes(key))) {
    return malformed('wrong_keys');
  }
  const { log, size, head, at } = record;
  if (typeof log !== 'string') return malformed('bad_log');
  if (typeof size !== 'number') return malformed('bad_size');
  if (typeof head !== 'string') return malformed('bad_head');
  if (typeof at !== 'string') return malformed('bad_at');
  const checkpoint: AuditCheckpoint = { log, size, head, at };
  const problem = problemOf(checkpoint);
  if (problem !== null) return malformed(problem);
  if (JSON.stringify({ log, size, head, at }) !== text) return malformed('not_canonical');
  return { ok: true, checkpoint };
}

/**
 * Verifies a signed checkpoint over its carried bytes, then parses them.
 * Output: the checkpoint, or the signature header's tag, `checkpoint_bad_signature`, or
 * `checkpoint_malformed`. Never throws.
 */
export function verifyCheckpoint(
  publicKey: Uint8Array,
  bytes: Uint8Array,
  sigHeader: string | null | undefined,
): CheckpointVerification {
  const parsed = parseEd25519Header(sigHeader);
  if (!parsed.ok) return { ok: false, error: { tag: parsed.error.tag } };
  if (!verifyEd25519(publicKey, bytes, parsed.value)) {
    return { ok: false, error: { tag: 'checkpoint_bad_signature' } };
  }
  return parseCheckpoint(bytes);
}

function malformed(problem: CheckpointProblem): CheckpointParse {
  return { ok: false, error: { tag: 'checkpoint_malformed', problem } };
}
