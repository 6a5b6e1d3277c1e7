import { delegatedNamespace, isWithinNamespace } from '@fedplane/core';

/**
 * Which key signs a leaf (identity.md, `fed.issuer.intermediate`): once a region has an
 * intermediate `region/<name>/ca`, that region's leaves inside its namespace are signed by it and
 * sent with the chain; everything else is signed by the active root key. A leaf never outlives
 * the intermediate that signed it.
 */

/** The issuer id of a region's intermediate. */
export function intermediateIdFor(region: string): string {
  return `region/${region}/ca`;
}

/** The intermediate of the node's region, as stored. */
export type IntermediateState = {
  readonly issuerId: string;
  /** `not_after` of its current credential (Unix seconds). */
  readonly notAfter: number;
  /** True when the key that signed its credential is still in the trust bundle. */
  readonly anchorKnown: boolean;
};

/** Inputs of {@link chooseLeafSigner}. */
export type SignerChoiceInput = {
  readonly nodeId: string;
  readonly region: string | null;
  /** The region's intermediate, or `undefined` when the region has none. */
  readonly intermediate: IntermediateState | undefined;
  readonly nowS: number;
  /** Requested leaf TTL (> 0). */
  readonly ttlS: number;
  /**
   * `not_after` of the latest credential of this identity, or `null`. A new leaf expires strictly
   * later, so no two credentials of a lineage are ever the same bytes (Ed25519 is deterministic:
   * the same claims signed in the same second would otherwise repeat an id).
   */
  readonly lastNotAfter: number | null;
  /** Lifetime of a freshly minted intermediate (> 0). */
  readonly intermediateTtlS: number;
};

/** The signer and the leaf TTL to use. */
export type SignerChoice =
  | { readonly kind: 'root'; readonly ttlS: number }
  | { readonly kind: 'intermediate'; readonly ttlS: number }
  | {
      /** Mint a new credential for the intermediate first, then sign with it. */
      readonly kind: 'remint_intermediate';
      readonly ttlS: number;
    };

/**
 * The TTL that makes a leaf issued at `nowS` expire strictly after `lastNotAfter`: `ttlS`, or
 * longer by the few seconds needed when the identity was issued a credential within the last
 * second(s). Pure.
 */
export function lineageTtl(ttlS: number, nowS: number, lastNotAfter: number | null): number {
  return lastNotAfter === null ? ttlS : Math.max(ttlS, lastNotAfter + 1 - nowS);
}

/**
 * Chooses the leaf signer.
 * The TTL is first raised by {@link lineageTtl}. No region, no intermediate for it, or a node
 * outside the intermediate's delegated namespace → `root` with that TTL. Otherwise the intermediate, re-minted first when its anchor key
 * left the bundle or its remaining life is shorter than `min(ttlS, intermediateTtlS)`. The leaf
 * TTL is capped so the leaf never outlives the intermediate (after a re-mint: at
 * `intermediateTtlS`). Invariants: the returned TTL is at least 1 and at most the lineage TTL; without an
 * intermediate cap, `nowS + ttl > lastNotAfter`. Pure; never throws.
 */
export function chooseLeafSigner(input: SignerChoiceInput): SignerChoice {
  const { intermediate, nowS } = input;
  const ttlS = lineageTtl(input.ttlS, nowS, input.lastNotAfter);
  if (input.region === null || intermediate === undefined) return { kind: 'root', ttlS };
  if (!isWithinNamespace(input.nodeId, delegatedNamespace(intermediate.issuerId))) {
    return { kind: 'root', ttlS };
  }
  const remaining = intermediate.notAfter - nowS;
  if (!intermediate.anchorKnown || remaining < Math.min(ttlS, input.intermediateTtlS)) {
    return { kind: 'remint_intermediate', ttlS: Math.min(ttlS, input.intermediateTtlS) };
  }
  return { kind: 'intermediate', ttlS: Math.min(ttlS, remaining) };
}
