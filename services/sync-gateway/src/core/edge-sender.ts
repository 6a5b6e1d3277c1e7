import { senderAllowed, type PeerScopes } from '@fedplane/core';

/**
 * Who may push as whom (reference §5.3 steps 2 and 5), after the request is authenticated:
 * the peer allowlist (`x_peer_id_not_in_allowlist`, 401) and the sender attestation of the
 * body's `sender_agent_id` against `x-peer-id` (`peer_id_header_missing` /
 * `sender_agent_id_mismatch`, 403). Both apply under either posture, as in the reference.
 */

/** Why a peer or a claimed sender was refused. */
export type SenderProblem =
  | { readonly tag: 'x_peer_id_not_in_allowlist'; readonly peer_header: string }
  | { readonly tag: 'peer_id_header_missing' }
  | {
      readonly tag: 'sender_agent_id_mismatch';
      readonly claimed: string;
      readonly peer_header: string;
    };

/** Result of the checks below. */
export type SenderCheck =
  { readonly ok: true } | { readonly ok: false; readonly problem: SenderProblem };

/**
 * The allowlist gate: when scopes are configured (non-empty) and the request names a peer id
 * that has no scope, refuse with `x_peer_id_not_in_allowlist`. No scopes configured, or no peer
 * id, passes (the reference's zero-config and "present peer id" rules).
 */
export function checkPeerAllowlist(scopes: PeerScopes, peerId: string | undefined): SenderCheck {
  if (scopes.size === 0 || peerId === undefined || scopes.has(peerId)) return { ok: true };
  return { ok: false, problem: { tag: 'x_peer_id_not_in_allowlist', peer_header: peerId } };
}

/**
 * The sender attestation of a push: no peer id → `peer_id_header_missing`; a body
 * `sender_agent_id` that is blank, equals the peer id or is in the peer's
 * `allowed_sender_agent_ids` passes; anything else → `sender_agent_id_mismatch` with `claimed`
 * and `peer_header`.
 */
export function checkPushSender(
  scopes: PeerScopes,
  peerId: string | undefined,
  senderAgentId: string,
): SenderCheck {
  if (peerId === undefined) return { ok: false, problem: { tag: 'peer_id_header_missing' } };
  if (senderAllowed(scopes, peerId, senderAgentId)) return { ok: true };
  return {
    ok: false,
    problem: { tag: 'sender_agent_id_mismatch', claimed: senderAgentId, peer_header: peerId },
  };
}
