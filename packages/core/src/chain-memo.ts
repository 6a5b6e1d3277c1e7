import { verifyChain, type ChainVerifier } from './chain.js';
import type { VerifierBundle } from './credential-verify.js';

/**
 * {@link verifyChain} memoised for a stream of requests or messages that present the same few
 * credentials over and over (a sync gateway verifies one per push and one per replicated record).
 * The result is a pure function of `(leaf, chain, maxDepth, bundle, nowS)`: results are kept while
 * `nowS` and the bundle OBJECT stay the same, and dropped as soon as either changes. So the memo
 * answers exactly as `verifyChain` would at every instant — a credential (or an intermediate)
 * expires, and a new bundle (rotation, a removed key) takes effect, at the same second as without
 * it — while a credential presented a thousand times in one second is verified once. At most
 * `maxEntries` results are kept (default 1,024); when full it starts afresh. Not thread-safe
 * (one per event loop).
 */

/** Options of {@link createChainMemo}. */
export type ChainMemoOptions = {
  /** Most results kept (default 1,024). */
  readonly maxEntries?: number;
  /** The function memoised (default core `verifyChain`; tests count its calls). */
  readonly verify?: ChainVerifier;
};

/** A memoised {@link verifyChain}. */
export function createChainMemo(options: ChainMemoOptions = {}): ChainVerifier {
  const maxEntries = Math.max(1, options.maxEntries ?? 1_024);
  const verify = options.verify ?? verifyChain;
  const results = new Map<string, ReturnType<ChainVerifier>>();
  let bundle: VerifierBundle | undefined;
  let nowS = Number.NaN;
  return (input) => {
    if (input.bundle !== bundle || input.nowS !== nowS) {
      results.clear();
      bundle = input.bundle;
      nowS = input.nowS;
    }
    // Unambiguous: an absent chain and an empty one are different inputs.
    const key = JSON.stringify([input.maxDepth ?? null, input.leaf, input.chain ?? null]);
    const known = results.get(key);
    if (known !== undefined) return known;
    const result = verify(input);
    if (results.size >= maxEntries) results.clear();
    results.set(key, result);
    return result;
  };
}
