import type {
  QuorumNotMetBody,
  SinceQuery,
  SinceResponse,
  SyncPushBody,
  SyncPushReport,
} from '@fedplane/core';

/**
 * The seam between the gateway's edge (HTTP `/api/v1/sync/*` and `fed.sync.<node>.push|since`,
 * which authenticate and validate requests) and its engine (replica store, replication through
 * `FED_SYNC`, quorum, catch-up, DLQ). The edge calls the engine only with requests it has
 * authenticated under the live posture and parsed with the core schemas.
 */

/** Who sent a request, as the edge established it. */
export type SyncSender = {
  /** The peer id (`x-peer-id`, or the NATS request's verified credential subject). */
  readonly peerId: string;
  /** True when credential, binding and signature all verified; false when accepted unsigned (permissive). */
  readonly verified: boolean;
};

/** What a push came to, for the edge to map onto 200 / 202 / 400. */
export type PushOutcome =
  | { readonly kind: 'quorum_met'; readonly report: SyncPushReport }
  | { readonly kind: 'quorum_not_met'; readonly body: QuorumNotMetBody }
  | {
      readonly kind: 'invalid';
      readonly issues: readonly { readonly path: string; readonly message: string }[];
    };

/** The engine as the edge sees it. */
export type SyncEngine = {
  /** Validates the records, applies them locally, publishes them and waits for quorum. */
  push(body: SyncPushBody, sender: SyncSender): Promise<PushOutcome>;
  /** One keyset page of this node's replica, filtered by the peer's namespace scope. */
  since(query: SinceQuery, sender: SyncSender | undefined): Promise<SinceResponse>;
};
