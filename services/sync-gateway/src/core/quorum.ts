/**
 * Quorum of a push (sync.md, Write path step 4; reference §5.2 with its defects fixed): `W` comes
 * from the env override, else the live inventory's `quorum.width`, else 1; the count is the local
 * node plus each DISTINCT node identity whose signed ack verified (two acks from one node count
 * once, the local node acking itself counts once). A push of several records reaches quorum when
 * every record does. One deadline, computed once by the caller. Pure.
 */

/** Inputs of {@link quorumWidth}. */
export type QuorumWidthInput = {
  /** `SYNC_QUORUM_W`, when set. */
  readonly override: number | undefined;
  /** `quorum.width` of the live inventory, when one is held. */
  readonly inventoryWidth: number | undefined;
};

/** `W` for a push: the override, else the inventory's width, else 1 (never below 1). */
export function quorumWidth(input: QuorumWidthInput): number {
  const width = input.override ?? input.inventoryWidth ?? 1;
  return Math.max(1, Math.floor(width));
}

/** Inputs of {@link quorumStatus}. */
export type QuorumStatusInput = {
  readonly needed: number;
  readonly localNode: string;
  /** `Nats-Msg-Id` of every record of the push. */
  readonly msgIds: readonly string[];
  /** Verified acking node ids per msg id (nodes, not messages). */
  readonly acks: ReadonlyMap<string, ReadonlySet<string>>;
};

/** Where a push stands. */
export type QuorumStatus = {
  readonly met: boolean;
  readonly needed: number;
  /** Local node plus the distinct nodes that acked every record (the weakest record's count). */
  readonly got: number;
  /** Nodes (local first, then sorted) that acked every record. */
  readonly ackedBy: readonly string[];
};

/**
 * The quorum status of a push. With no records (nothing to replicate) it is met with the local
 * node alone. Invariants: `got = ackedBy.length`; adding acks never lowers `got`.
 */
export function quorumStatus(input: QuorumStatusInput): QuorumStatus {
  const { needed, localNode, msgIds, acks } = input;
  let common: Set<string> | undefined;
  for (const msgId of msgIds) {
    const nodes = acks.get(msgId) ?? new Set<string>();
    common =
      common === undefined
        ? new Set([...nodes].filter((node) => node !== localNode))
        : new Set([...common].filter((node) => nodes.has(node)));
  }
  const peers = [...(common ?? [])].sort();
  const ackedBy = [localNode, ...peers];
  return { met: ackedBy.length >= needed, needed, got: ackedBy.length, ackedBy };
}

/** Why a quorum was missed at the deadline: `unreachable` (no peer acked) or `timeout`. */
export function quorumMissReason(status: QuorumStatus): 'unreachable' | 'timeout' {
  return status.got <= 1 ? 'unreachable' : 'timeout';
}
