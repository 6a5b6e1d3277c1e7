import { decodeCredential } from '@fedplane/core';
import { heldCredential } from '../e2e/plane-checks.js';
import type { FleetNode } from '../e2e/plane-env.js';

/**
 * Watches every node's held credential file (what the node's daemon signs with) and records each
 * moment one was missing, unreadable or past its `not_after` by the real clock: a credential
 * lapse. The issuers are never all down in the chaos suite, so any lapse is a defect.
 */

/** One observed lapse. */
export type Lapse = {
  readonly node: string;
  readonly atS: number;
  readonly problem: string;
  readonly notAfter?: number;
};

/** A running watch. */
export type LapseWatch = {
  /** Every lapse seen so far. */
  readonly lapses: readonly Lapse[];
  /** Samples taken (per node), so a test can tell the watch ran. */
  samples(): number;
  stop(): void;
};

function sample(node: FleetNode, nowS: number): Lapse | undefined {
  const held = heldCredential(node);
  if (held === null) return { node: node.id, atS: nowS, problem: 'no credential file' };
  const decoded = decodeCredential(held.leaf);
  if (!decoded.ok) return { node: node.id, atS: nowS, problem: 'credential does not decode' };
  const notAfter = decoded.value.claims.not_after;
  return nowS > notAfter ? { node: node.id, atS: nowS, problem: 'expired', notAfter } : undefined;
}

/** Samples every node's credential every `everyMs` (default 500 ms) until stopped. */
export function watchLapses(nodes: readonly FleetNode[], everyMs = 500): LapseWatch {
  const lapses: Lapse[] = [];
  let count = 0;
  const timer = setInterval(() => {
    const nowS = Math.floor(Date.now() / 1000);
    count += 1;
    for (const node of nodes) {
      try {
        const lapse = sample(node, nowS);
        if (lapse !== undefined) lapses.push(lapse);
      } catch (err) {
        lapses.push({ node: node.id, atS: nowS, problem: `unreadable: ${String(err)}` });
      }
    }
  }, everyMs);
  return { lapses, samples: () => count, stop: () => clearInterval(timer) };
}
