/**
 * The plane status `fedplane status` and the `fedplane start` screen show (issue 7): nodes with
 * their credential expiry, the enforcement posture, pending approvals and the audit head. The
 * `--json` form is exactly `{"nodes": [{"id", "present", "can_sign", "not_after"}], "posture":
 * {"require_sig", "revision"}, "pending_approvals": N, "audit": {"size", "head"}}`.
 */

/** One node as the status shows it. */
export type NodeView = {
  readonly id: string;
  /** Listed in the applied inventory (`fed-inventory`). */
  readonly desired: boolean;
  /** A status arrived within the presence window (60 s, the reconciler's default). */
  readonly present: boolean;
  /** The status is signed by a credential for this node that verifies and is valid now. */
  readonly can_sign: boolean;
  /** Unix seconds, or null without a status. */
  readonly not_after: number | null;
  /** When the stream stored the latest status (RFC 3339), or null. */
  readonly status_at: string | null;
  /** `credential_signed`, `invalid_signature:<reason>`, `unsigned`, `missing`, `unverified`. */
  readonly signature: string;
};

/**
 * One service instance as the status shows it (`fed.status.svc.<service>.<instance>`): only in
 * the text form, never in `--json`.
 */
export type ServiceView = {
  /** `svc/<service>/<instance>`. */
  readonly id: string;
  /** A status arrived within the presence window. */
  readonly present: boolean;
  /** Signed by a valid credential for this instance that says it can sign. */
  readonly can_sign: boolean;
  /** Unix seconds. */
  readonly not_after: number;
  /** `credential_signed`, `invalid_signature:<reason>`, `unsigned`, `unverified`. */
  readonly signature: string;
  /** What the instance reports failing (readiness, credential), or null. */
  readonly last_error: string | null;
};

/** The posture in `fed-enforcement` (absent = permissive). */
export type PostureView = {
  readonly require_sig: boolean;
  readonly revision: number | null;
  readonly decided_at: string | null;
  /** `valid`, `absent`, or why the stored value was refused. */
  readonly state: string;
};

/** The latest signed audit checkpoint. */
export type AuditView = {
  readonly size: number | null;
  readonly head: string | null;
  readonly at: string | null;
};

/** Everything the status shows. Null counts mean "could not be read". */
export type PlaneStatus = {
  readonly nodes: readonly NodeView[];
  /** Service instances that published a status (text form only). */
  readonly services: readonly ServiceView[];
  readonly posture: PostureView;
  readonly pending_approvals: number | null;
  readonly audit: AuditView;
  readonly inventory: { readonly sha256: string; readonly require_sig: boolean | null } | null;
  /** What could not be read (one line each). */
  readonly problems: readonly string[];
};

/** The documented `--json` shape, and nothing else. */
export function statusJson(status: PlaneStatus): {
  nodes: { id: string; present: boolean; can_sign: boolean; not_after: number | null }[];
  posture: { require_sig: boolean; revision: number | null };
  pending_approvals: number | null;
  audit: { size: number | null; head: string | null };
} {
  return {
    nodes: status.nodes.map((n) => ({
      id: n.id,
      present: n.present,
      can_sign: n.can_sign,
      not_after: n.not_after,
    })),
    posture: { require_sig: status.posture.require_sig, revision: status.posture.revision },
    pending_approvals: status.pending_approvals,
    audit: { size: status.audit.size, head: status.audit.head },
  };
}

/** True when every desired node is present and can sign and the posture is strict. */
export function isStrictAndConverged(status: PlaneStatus): boolean {
  const desired = status.nodes.filter((n) => n.desired);
  return (
    status.posture.require_sig &&
    desired.length > 0 &&
    desired.every((n) => n.present && n.can_sign)
  );
}
