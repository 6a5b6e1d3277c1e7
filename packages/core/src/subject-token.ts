import { checkAgentId, type AgentIdProblem } from './agent-id.js';
import { utf8 } from './bytes.js';
import { sha256Hex } from './digest.js';
import { ErrorCode } from './errors.js';

/**
 * Agent ids as NATS subject tokens and durable consumer names (bus.md, Tokens).
 *
 * A token is the id with every UTF-8 byte outside `[A-Za-z0-9_\-:@/]` written as `%XX`
 * (upper-case hex). For a valid id only `.` is ever escaped (`host:a.b` → `host:a%2Eb`), so a
 * token never contains `.`, `*`, `>`, whitespace or control characters.
 */

const TOKEN_SAFE_CHARS = /^[A-Za-z0-9_\-:@/]$/;
const HEX_UPPER = '0123456789ABCDEF';
const ESCAPE = /^%[0-9A-F]{2}$/;
const DURABLE_ROLE = /^[a-z][a-z0-9_-]{0,31}$/;

/** Number of hex characters of SHA-256(node id) in a durable consumer name. */
export const DURABLE_HASH_HEX_CHARS = 16;

/** Why an id or a token was refused. */
export type SubjectTokenReason = AgentIdProblem | 'bad_escape' | 'not_canonical';

/** A refused id or token: always `BAD_REQUEST`, with the reason for logs and details. */
export type SubjectTokenError = {
  readonly code: typeof ErrorCode.BAD_REQUEST;
  readonly reason: SubjectTokenReason;
};

/** Result of {@link subjectToken}. */
export type SubjectTokenResult =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly error: SubjectTokenError };

/** Result of {@link decodeToken}. */
export type DecodeTokenResult =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly error: SubjectTokenError };

/** `SAFE[byte] === 1` when the byte stands for itself in a token. */
const SAFE = Uint8Array.from({ length: 256 }, (_, byte) =>
  TOKEN_SAFE_CHARS.test(String.fromCharCode(byte)) ? 1 : 0,
);

/**
 * The escape alone, without validation: every byte of the UTF-8 encoding of `input` outside
 * `[A-Za-z0-9_\-:@/]` becomes `%XX` with upper-case hex (`a%b` → `a%25b`, `é` → `%C3%A9`).
 * Lone surrogates encode as U+FFFD (the UTF-8 encoder's rule). Never throws.
 */
export function percentEncode(input: string): string {
  let out = '';
  for (const byte of utf8(input)) {
    if (SAFE[byte] === 1) out += String.fromCharCode(byte);
    else out += '%' + HEX_UPPER.charAt(byte >> 4) + HEX_UPPER.charAt(byte & 0x0f);
  }
  return out;
}

function refuse(reason: SubjectTokenReason): {
  readonly ok: false;
  readonly error: SubjectTokenError;
} {
  return { ok: false, error: { code: ErrorCode.BAD_REQUEST, reason } };
}

/**
 * The subject token of an agent id.
 * Input: any string. Output: `{ok: true, token}` for a valid agent id (checked with
 * `checkAgentId` first, so an invalid id never reaches a subject), else `BAD_REQUEST` with the
 * agent-id problem as `reason`. Invariant: `decodeToken(token)` gives the id back. Never throws.
 */
export function subjectToken(id: string): SubjectTokenResult {
  const check = checkAgentId(id);
  if (!check.ok) return refuse(check.reason);
  return { ok: true, token: percentEncode(id) };
}

/**
 * The agent id a subject token stands for (the inverse of {@link subjectToken}).
 * Strict: the only escapes are `%XX` with upper-case hex digits, the decoded bytes must be a valid
 * agent id, and the token must be exactly the canonical token of that id (so `a%2Db` for `a-b` is
 * refused: one id, one token). Errors are `BAD_REQUEST` with reason `bad_escape`,
 * `not_canonical` or the agent-id problem. Never throws.
 */
export function decodeToken(token: string): DecodeTokenResult {
  let id = '';
  for (let i = 0; i < token.length; i++) {
    const ch = token.charAt(i);
    if (ch !== '%') {
      id += ch;
      continue;
    }
    const escape = token.slice(i, i + 3);
    if (!ESCAPE.test(escape)) return refuse('bad_escape');
    id += String.fromCharCode(Number.parseInt(escape.slice(1), 16));
    i += 2;
  }
  // Every byte of a valid id is ASCII, so decoding escapes byte-by-byte into char codes is exact
  // for every token that can pass the checks below; anything else fails `checkAgentId`.
  const check = checkAgentId(id);
  if (!check.ok) return refuse(check.reason);
  if (percentEncode(id) !== token) return refuse('not_canonical');
  return { ok: true, id };
}

/**
 * The name of a per-node durable consumer: `<role>-<first 16 hex chars of SHA-256(node id)>`
 * (durable names may not contain `.`, `*`, `>` or `/`). The node id is hashed as UTF-8; the
 * caller puts the id itself in the consumer's description.
 * `role` is a code constant (`sync`, `auditor`, …): lower-case letters, digits, `_`, `-`, at most
 * 32 characters; anything else is a programming error and throws `RangeError`.
 */
export function durableName(role: string, nodeId: string): string {
  if (!DURABLE_ROLE.test(role))
    throw new RangeError(`invalid durable role: ${JSON.stringify(role)}`);
  return `${role}-${sha256Hex(utf8(nodeId)).slice(0, DURABLE_HASH_HEX_CHARS)}`;
}
