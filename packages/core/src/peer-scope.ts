import { checkAgentId } from './agent-id.js';

/**
 * Per-peer scopes (reference §2.11 `PeerScope`): which `sender_agent_id`s a peer may claim on a
 * push and which namespaces it may pull. Configured as JSON
 * `{"<peer id>": {"allowed_sender_agent_ids": [exact ids], "allowed_namespaces": [globs]}}`.
 *
 * Deny by default: a peer without a scope pulls nothing; an empty `allowed_namespaces` pulls
 * nothing. Differences from the reference, both failing closed:
 * - malformed configuration is a typed error, never "warn and use an empty map";
 * - a bare `*` matches exactly one top-level segment (as upstream fixed it in #1902), not the
 *   whole tree; `**` is the only match-everything pattern.
 *
 * Glob shapes (P and S are literal, without `*`):
 * - `**` or `*`: everything;
 * - `P/**`: P itself or anything below it;
 * - `P/*`: exactly one segment below P;
 * - a `*` segment, then `/S`: exactly one segment above `/S` (so `alice/notes` for `S = notes`);
 * - anything else: an exact match.
 * Any other use of `*` is refused when parsing, so a pattern never silently matches nothing.
 */

/** One peer's scope. */
export type PeerScope = {
  /** Exact `sender_agent_id`s the peer may claim besides its own id. */
  readonly allowedSenderAgentIds: readonly string[];
  /** Namespace globs the peer may pull; empty = nothing. */
  readonly allowedNamespaces: readonly string[];
};

/** Scopes by peer id. */
export type PeerScopes = ReadonlyMap<string, PeerScope>;

/** One problem found in a scope configuration. */
export type PeerScopeIssue = { readonly path: string; readonly message: string };

/** Result of {@link parsePeerScopes}. */
export type PeerScopesParse =
  | { readonly ok: true; readonly scopes: PeerScopes }
  | {
      readonly ok: false;
      readonly error: {
        readonly tag: 'peer_scopes_malformed';
        readonly issues: readonly PeerScopeIssue[];
      };
    };

const SCOPE_KEYS: ReadonlySet<string> = new Set(['allowed_sender_agent_ids', 'allowed_namespaces']);

/** True when `pattern` is one of the supported glob shapes. */
export function isValidNamespaceGlob(pattern: string): boolean {
  if (pattern === '') return false;
  if (pattern === '**' || pattern === '*') return true;
  let literal = pattern;
  if (pattern.endsWith('/**')) literal = pattern.slice(0, -3);
  else if (pattern.endsWith('/*')) literal = pattern.slice(0, -2);
  else if (pattern.startsWith('*/')) literal = pattern.slice(2);
  return literal !== '' && !literal.includes('*');
}

function isSegment(text: string): boolean {
  return text !== '' && !text.includes('/');
}

/**
 * True when `namespace` matches the glob `pattern` (shapes above). Pure; never throws.
 */
export function namespaceMatches(pattern: string, namespace: string): boolean {
  if (pattern === '**' || pattern === '*') return true;
  if (pattern.endsWith('/**')) {
    const prefix = pattern.slice(0, -3);
    return namespace === prefix || namespace.startsWith(prefix + '/');
  }
  if (pattern.endsWith('/*')) {
    const prefix = pattern.slice(0, -2) + '/';
    return namespace.startsWith(prefix) && isSegment(namespace.slice(prefix.length));
  }
  if (pattern.startsWith('*/')) {
    const suffix = pattern.slice(1);
    return namespace.endsWith(suffix) && isSegment(namespace.slice(0, -suffix.length));
  }
  return pattern === namespace;
}

/** True when any glob matches the namespace; an empty list matches nothing. */
export function namespaceAllowed(globs: readonly string[], namespace: string): boolean {
  return globs.some((glob) => namespaceMatches(glob, namespace));
}

/**
 * May the peer pull rows of `namespace`? False when the peer has no scope (deny by default).
 */
export function peerNamespaceAllowed(
  scopes: PeerScopes,
  peerId: string,
  namespace: string,
): boolean {
  const scope = scopes.get(peerId);
  return scope !== undefined && namespaceAllowed(scope.allowedNamespaces, namespace);
}

/**
 * May the peer claim `sender_agent_id` in a push body (reference §5.3 step 5)? True when the
 * claim is absent or blank (legacy unauthored push), equals the peer id, or is listed in the
 * peer's `allowed_sender_agent_ids`; false otherwise.
 */
export function senderAllowed(
  scopes: PeerScopes,
  peerId: string,
  senderAgentId: string | null | undefined,
): boolean {
  const claimed = senderAgentId?.trim() ?? '';
  if (claimed === '' || claimed === peerId) return true;
  return scopes.get(peerId)?.allowedSenderAgentIds.includes(claimed) ?? false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(
  value: unknown,
  path: string,
  check: (item: string) => string | null,
  issues: PeerScopeIssue[],
): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.push({ path, message: 'must be an array of strings' });
    return [];
  }
  const out: string[] = [];
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'string') {
      issues.push({ path: `${path}[${i}]`, message: 'must be a string' });
      return;
    }
    const problem = check(item);
    if (problem !== null) issues.push({ path: `${path}[${i}]`, message: problem });
    else out.push(item);
  });
  return out;
}

function parseScope(value: unknown, path: string, issues: PeerScopeIssue[]): PeerScope {
  if (!isRecord(value)) {
    issues.push({ path, message: 'must be an object' });
    return { allowedSenderAgentIds: [], allowedNamespaces: [] };
  }
  for (const key of Object.keys(value)) {
    if (!SCOPE_KEYS.has(key)) issues.push({ path: `${path}.${key}`, message: 'unknown field' });
  }
  return {
    allowedSenderAgentIds: stringList(
      value['allowed_sender_agent_ids'],
      `${path}.allowed_sender_agent_ids`,
      (id) => (checkAgentId(id).ok ? null : 'must be an agent id'),
      issues,
    ),
    allowedNamespaces: stringList(
      value['allowed_namespaces'],
      `${path}.allowed_namespaces`,
      (glob) => (isValidNamespaceGlob(glob) ? null : 'unsupported namespace glob'),
      issues,
    ),
  };
}

/**
 * Parses the scope configuration (JSON text, or an already parsed value).
 * Output: the scopes, or `peer_scopes_malformed` listing every issue (bad JSON, a peer id that is
 * not an agent id, unknown fields, non-string entries, unsupported globs). Both lists default to
 * empty when omitted. Never throws.
 */
export function parsePeerScopes(input: unknown): PeerScopesParse {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch {
      return malformed([{ path: '', message: 'not valid JSON' }]);
    }
  }
  if (!isRecord(value)) return malformed([{ path: '', message: 'must be a JSON object' }]);
  const issues: PeerScopeIssue[] = [];
  const scopes = new Map<string, PeerScope>();
  for (const [peerId, raw] of Object.entries(value)) {
    if (!checkAgentId(peerId).ok)
      issues.push({ path: peerId, message: 'peer id must be an agent id' });
    scopes.set(peerId, parseScope(raw, peerId, issues));
  }
  return issues.length === 0 ? { ok: true, scopes } : malformed(issues);
}

function malformed(issues: readonly PeerScopeIssue[]): PeerScopesParse {
  return { ok: false, error: { tag: 'peer_scopes_malformed', issues } };
}
