import { decodeCredential } from '@fedplane/core';
import { writePosture } from '@fedplane/messaging';
import { shouldRefreshPosture } from '../core/posture-refresh.js';
import type { ReconcilerContext } from './context.js';

/**
 * The leader's re-sign of an unchanged posture before its signer's credential expires (see
 * core `posture-refresh.ts`): the same body, signed with this instance's credential, written
 * with compare-and-set. Not an enforcement change, so no event; a lost race is left to the next
 * pass. Never throws.
 */
export async function refreshPosture(ctx: ReconcilerContext): Promise<boolean> {
  const view = ctx.posture.current();
  if (view.posture === undefined) return false;
  let own: number | undefined;
  try {
    const decoded = decodeCredential(ctx.signer.credential());
    own = decoded.ok ? decoded.value.claims.not_after : undefined;
  } catch {
    own = undefined; // no credential held right now
  }
  const nowS = Math.floor(ctx.clock.nowMs() / 1000);
  const due = shouldRefreshPosture({
    storedSignerNotAfter: view.signerNotAfter,
    ownNotAfter: own,
    nowS,
    refreshBeforeS: Math.max(ctx.settings.minRemainingS * 2, 600),
  });
  if (!due) return false;
  try {
    const written = await writePosture(ctx.postureKv, {
      posture: view.posture,
      signer: ctx.signer,
      expectedKvRevision: view.latestKvRevision,
    });
    if (written.ok) {
      ctx.log.info(
        {
          revision: view.posture.revision,
          kv_revision: written.revision,
          previous_signer: view.signer,
        },
        'posture re-signed',
      );
    }
    return written.ok;
  } catch (err) {
    ctx.log.warn({ err }, 'posture re-sign failed');
    return false;
  }
}
