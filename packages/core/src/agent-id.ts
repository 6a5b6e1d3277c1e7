/**
 * Agent ids name nodes and service instances: 1–128 bytes of `[A-Za-z0-9_\-:@./]`, no `..`,
 * no leading `/` (reference §2.12). Every id that reaches a subject, a path or a table passes here.
 */

export const AGENT_ID_MAX_BYTES = 128;
const AGENT_ID_CHARS = /^[A-Za-z0-9_\-:@./]+$/;

/** Ids the reference reserves for itself; wire callers may not claim them. */
export const RESERVED_AGENT_IDS: ReadonlySet<string> = new Set([
  'daemon',
  'system',
  'federation-catchup',
  'subscription-dispatch',
  'ai:http-internal',
  'ai:migrate',
  'export-internal',
  'governance-internal',
]);

export type AgentIdProblem = 'empty' | 'too_long' | 'bad_character' | 'dot_dot' | 'leading_slash';

export type AgentIdCheck =
  { readonly ok: true } | { readonly ok: false; readonly reason: AgentIdProblem };

/** Checks the agent-id shape. Pure; never throws. */
export function checkAgentId(id: string): AgentIdCheck {
  if (id.length === 0) return { ok: false, reason: 'empty' };
  // Every allowed character is ASCII, so a string that passes the character test has
  // length === byte length; check characters first, then length.
  if (!AGENT_ID_CHARS.test(id)) return { ok: false, reason: 'bad_character' };
  if (id.length > AGENT_ID_MAX_BYTES) return { ok: false, reason: 'too_long' };
  if (id.includes('..')) return { ok: false, reason: 'dot_dot' };
  if (id.startsWith('/')) return { ok: false, reason: 'leading_slash' };
  return { ok: true };
}

/** True when `id` is a well-formed agent id. */
export function isAgentId(id: string): boolean {
  return checkAgentId(id).ok;
}
