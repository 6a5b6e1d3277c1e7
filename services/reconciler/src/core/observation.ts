import {
  NodeStatusSchema,
  attestMessage,
  credentialId,
  fromBase64,
  fromUtf8,
  parseJsonText,
  type ObservedNode,
  type ObservedState,
  type SignedHeaders,
  type VerifierBundle,
} from '@fedplane/core';

/**
 * Observation (reconciler.md "Observation"): from the latest signed status of each node in
 * `FED_STATUS` to the plan's `ObservedState`. Verification ({@link verifyStatus}) depends only on
 * the message, the bundle and the time, so the shell caches it per stream sequence; freshness and
 * remaining lifetime ({@link observe}) are recomputed every pass with `now`. Pure.
 */

/** The latest status message of one node, as read from the stream. */
export type StatusRecord = {
  /** Node id decoded from the subject `fed.status.node.<node>`. */
  readonly nodeId: string;
  /** Stream sequence (cache key). */
  readonly seq: number;
  /** The exact body bytes. */
  readonly body: Uint8Array;
  readonly headers: SignedHeaders;
  /** When the stream stored it (server time), Unix ms. */
  readonly arrivedAtMs: number;
};

/** Outcome of {@link verifyStatus}. */
export type StatusVerdict =
  | {
      readonly ok: true;
      /** The node's own `can_sign` claim. */
      readonly claimsCanSign: boolean;
      readonly credentialId: string;
      readonly notAfter: number;
      /** The body's own `at` (when the agent built it), Unix ms, when it carries one. */
      readonly builtAtMs: number | undefined;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * Verifies one status: signature over the carried bytes under the credential it carries, that
 * credential against `bundle` at `nowS`, credential subject = the subject's node, and a body that
 * is a `NodeStatus` about that node. Never throws.
 */
export function verifyStatus(
  record: StatusRecord,
  bundle: VerifierBundle | undefined,
  nowS: number,
): StatusVerdict {
  if (bundle === undefined) return { ok: false, reason: 'no_trust_bundle' };
  const attestation = attestMessage({
    headers: record.headers,
    body: record.body,
    bundle,
    nowS,
    expectedActor: record.nodeId,
  });
  if (attestation.attest_level === 'invalid_signature') {
    return { ok: false, reason: attestation.reason };
  }
  if (attestation.attest_level !== 'credential_signed') {
    return { ok: false, reason: `status_${attestation.attest_level}` };
  }
  const text = fromUtf8(record.body);
  const json = text === undefined ? undefined : parseJsonText(text);
  const parsed = json?.ok === true ? NodeStatusSchema.safeParse(json.value) : undefined;
  if (parsed?.success !== true) return { ok: false, reason: 'status_body_invalid' };
  if (parsed.data.node_id !== record.nodeId) return { ok: false, reason: 'status_node_mismatch' };
  const envelope = fromBase64(attestation.credential.slice('v1='.length));
  /* c8 ignore next -- attestMessage has decoded this very header */
  if (envelope === undefined) return { ok: false, reason: 'credential_malformed' };
  return {
    ok: true,
    claimsCanSign: parsed.data.can_sign,
    credentialId: credentialId(envelope),
    notAfter: attestation.claims.not_after,
    builtAtMs: parsed.data.at === undefined ? undefined : Date.parse(parsed.data.at),
  };
}

/** A status that did not count (reconciler.md: reported in the pass's event). */
export type Unverified = { readonly node_id: string; readonly reason: string };

/** Input of {@link observe}. */
export type ObserveInput = {
  readonly statuses: readonly { readonly record: StatusRecord; readonly verdict: StatusVerdict }[];
  readonly nowMs: number;
  /** `RECONCILER_STATUS_TTL` in ms. */
  readonly statusTtlMs: number;
  /** `RECONCILER_MIN_REMAINING` in seconds. */
  readonly minRemainingS: number;
  /** The live posture says strict. */
  readonly strictEnforced: boolean;
};

/** What {@link observe} returns. */
export type Observation = {
  readonly observed: ObservedState;
  readonly unverified: readonly Unverified[];
};

/**
 * Builds the observed state: a verified status is observed; `present` when it is at most the TTL
 * old — its age counted from the earlier of its stream arrival and its own `at` (a status stamped
 * in the future by skew counts from its arrival); `can_sign` when present, the node
 * claims it, and its credential stays valid at least `minRemainingS` more. Failed statuses are
 * not observed and are listed. Node order = input order.
 */
export function observe(input: ObserveInput): Observation {
  const nowS = Math.floor(input.nowMs / 1000);
  const nodes: ObservedNode[] = [];
  const unverified: Unverified[] = [];
  for (const { record, verdict } of input.statuses) {
    if (!verdict.ok) {
      unverified.push({ node_id: record.nodeId, reason: verdict.reason });
      continue;
    }
    // Age from the earlier of: when the stream stored it, when the node says it built it (an
    // agent replaying a buffered status cannot make it look newer than its arrival).
    const statusAtMs = Math.min(record.arrivedAtMs, verdict.builtAtMs ?? record.arrivedAtMs);
    const present = input.nowMs - statusAtMs <= input.statusTtlMs;
    const lasts = verdict.notAfter - nowS >= input.minRemainingS;
    nodes.push({
      id: record.nodeId,
      present,
      canSign: present && verdict.claimsCanSign && lasts,
      evidence: {
        credentialId: verdict.credentialId,
        notAfter: verdict.notAfter,
        statusAt: new Date(statusAtMs).toISOString(),
      },
    });
  }
  return { observed: { nodes, strictEnforced: input.strictEnforced }, unverified };
}
