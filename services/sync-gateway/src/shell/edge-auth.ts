import { createChainMemo, type PeerScopes, type VerifierBundle } from '@fedplane/core';
import type { Log } from '@fedplane/messaging';
import type { Clock } from '@fedplane/runtime';
import {
  decideRequestAuth,
  normalizePeerId,
  type AuthHeaders,
  type RequestAuthDecision,
  type SignedTarget,
} from '../core/request-auth.js';
import {
  createEdgeMetrics,
  type EdgeMetrics,
  type EdgeRoute,
  type EdgeTransport,
} from './edge-metrics.js';
import { createNonceCache, type NonceCache } from './nonce-cache.js';

/**
 * The authentication use case shared by the HTTP and NATS edges: read the live posture, bundle
 * and clock, look the nonce up, decide (core `decideRequestAuth`), remember the nonce, count and
 * log. Look-up, decision and remembering run without an `await` between them, so two copies of
 * one request racing each other cannot both pass the replay gate. A peer's credential chain is
 * verified once per second, not once per request (core `createChainMemo`: same answers).
 */

/** Dependencies of {@link createEdgeAuth}. */
export type EdgeAuthDeps = {
  /** The live posture: true = strict (`require_sig`), e.g. from messaging `watchPosture`. */
  readonly posture: () => boolean;
  /** The live trust bundle (messaging `watchTrustBundle(...).current`). */
  readonly bundle: () => VerifierBundle | undefined;
  readonly clock: Clock;
  readonly log: Log;
  /** Per-peer scopes (sender attestation and the peer allowlist); default none configured. */
  readonly scopes?: () => PeerScopes;
  /** Default: counters not registered anywhere (`createEdgeMetrics()`). */
  readonly metrics?: EdgeMetrics;
  /** Default: `createNonceCache()`. */
  readonly nonces?: NonceCache;
  /** False only to accept nonce-less requests (reference `REQUIRE_NONCE=0`); default true. */
  readonly requireNonce?: boolean;
  /** `sender_wall_clock` window (default core `NONCE_WINDOW_MS`). */
  readonly windowMs?: number;
};

/** One request to authenticate. */
export type EdgeAuthRequest = {
  readonly transport: EdgeTransport;
  readonly route: EdgeRoute;
  readonly headers: AuthHeaders;
  readonly target: SignedTarget;
  /** For the log line. */
  readonly requestId: string;
  /** Overrides the configured `requireNonce` (bus reads carry no replay key). */
  readonly requireNonce?: boolean;
};

/** The edge's authenticator. */
export type EdgeAuth = {
  authenticate(request: EdgeAuthRequest): RequestAuthDecision;
  /** The configured scopes (empty when none). */
  scopes(): PeerScopes;
  readonly metrics: EdgeMetrics;
  readonly clock: Clock;
};

const NO_SCOPES: PeerScopes = new Map();

/**
 * The `posture` dependency over a live posture view (messaging `watchPosture`): strict exactly
 * when the last valid posture says `require_sig: true`; no valid posture ever seen is permissive
 * (reconciler.md: strict is only ever turned on by a signed posture).
 */
export function requireSigOf(watch: {
  current(): { readonly posture: { readonly require_sig: boolean } | undefined };
}): () => boolean {
  return () => watch.current().posture?.require_sig === true;
}

/** Builds the authenticator. */
export function createEdgeAuth(deps: EdgeAuthDeps): EdgeAuth {
  const metrics = deps.metrics ?? createEdgeMetrics();
  const nonces = deps.nonces ?? createNonceCache();
  const scopes = deps.scopes ?? (() => NO_SCOPES);
  const { log, clock } = deps;
  const verifyChain = createChainMemo();

  const authenticate = (request: EdgeAuthRequest): RequestAuthDecision => {
    const { headers, transport, route } = request;
    const nowMs = clock.nowMs();
    const peerKey = normalizePeerId(headers.peerId) ?? '';
    const nonce = headers.nonce;
    const nonceSeen = nonce !== undefined && nonce !== '' && nonces.has(peerKey, nonce, nowMs);
    const requireNonce = request.requireNonce ?? deps.requireNonce;
    const decision = decideRequestAuth({
      headers,
      target: request.target,
      requireSig: deps.posture(),
      bundle: deps.bundle(),
      nowMs,
      nonceSeen,
      verifyChain,
      ...(requireNonce === undefined ? {} : { requireNonce }),
      ...(deps.windowMs === undefined ? {} : { windowMs: deps.windowMs }),
    });
    if (decision.rememberNonce !== undefined) {
      nonces.remember(peerKey, decision.rememberNonce, nowMs);
    }
    metrics.inboundCred(decision.presence);
    if (decision.credential !== 'skipped') metrics.credVerify(decision.credential);
    const fields = {
      transport,
      route,
      request_id: request.requestId,
      peer_id: decision.peerId,
      presence: decision.presence,
    };
    if (decision.outcome === 'refuse') {
      metrics.request({ transport, route, outcome: 'refused' });
      log.warn(
        { ...fields, reason: decision.problem.tag, details: decision.problem.details },
        'sync request refused',
      );
    } else if (!decision.verified) {
      metrics.request({ transport, route, outcome: 'unverified' });
      log.info(
        { ...fields, reason: decision.problem?.tag, details: decision.problem?.details },
        'sync request accepted unverified',
      );
    } else {
      metrics.request({ transport, route, outcome: 'verified' });
    }
    return decision;
  };

  return { authenticate, scopes, metrics, clock };
}
