import type { BundleReply, CredentialReply, IntermediateRequest } from '@fedplane/core';
import { AppError, ErrorCode } from '@fedplane/core';
import { readIntermediate } from '../adapters/pg-intermediates.js';
import { insertOutbox } from '../adapters/pg-outbox.js';
import { withTransaction } from '../adapters/pg-transaction.js';
import type { IssuerDeps } from './issuer-deps.js';
import { mintIntermediate } from './mint.js';
import type { RotateOutcome } from './trust-keeper.js';

/**
 * Admin and read endpoints: `fed.issuer.intermediate` (mint `region/<name>/ca`, 24 h, whose key
 * the issuer keeps; from then on that region's leaves are signed by it and carry the chain),
 * `fed.issuer.bundle` (the published trust bundle) and the rotate request.
 */

/** Mints (or re-mints) the region's intermediate; the reply carries its credential. */
export async function handleIntermediate(
  deps: IssuerDeps,
  request: IntermediateRequest,
  cause?: string,
): Promise<CredentialReply> {
  const nowMs = deps.clock.nowMs();
  const outcome = await withTransaction(deps.pool, async (db) => {
    await readIntermediate(db, request.region, true);
    const minted = await mintIntermediate(deps, db, {
      region: request.region,
      nowMs,
      ...(cause === undefined ? {} : { cause }),
    });
    await insertOutbox(db, minted.events, nowMs);
    return minted;
  });
  deps.events.committed(outcome.events);
  deps.log.info(
    { region: request.region, issuer_id: outcome.row.issuerId, not_after: outcome.row.notAfter },
    'intermediate issued',
  );
  return { credential: outcome.issued.header, not_after: outcome.issued.claims.not_after };
}

/** The published trust bundle (`UNAVAILABLE` before the first one is held). */
export function handleBundle(deps: IssuerDeps): BundleReply {
  const bundle = deps.trust.published();
  if (bundle === undefined) throw new AppError(ErrorCode.UNAVAILABLE, 'no trust bundle yet');
  return { ...bundle, keys: bundle.keys.map((key) => ({ ...key })) };
}

/** Publishes a `next` issuer key (activated after `refresh_hint_s` × 3). */
export function handleRotate(deps: IssuerDeps, cause?: string): Promise<RotateOutcome> {
  return deps.trust.rotate(cause);
}
