import {
  AppError,
  ErrorCode,
  type PendingActionView,
  type PendingListQuery,
  type PendingListReply,
} from '@fedplane/core';
import { getPending, listPending } from '../adapters/pg-pending.js';
import { decodeCursor, encodeCursor, type PendingPosition } from '../core/pending-cursor.js';
import type { ApprovalsDeps } from './approvals-deps.js';

/**
 * Reads of pending actions: `fed.approvals.get` / `GET /api/v1/pending/:id` (NOT_FOUND when
 * unknown) and the keyset-paged `GET /api/v1/pending` (oldest first by `(requested_at, id)`;
 * `next_cursor` is null on the last page; a cursor this service did not mint is BAD_REQUEST).
 */

/** One pending action. */
export async function handleGetPending(
  deps: Pick<ApprovalsDeps, 'pool'>,
  id: string,
): Promise<PendingActionView> {
  const stored = await getPending(deps.pool, id);
  if (stored === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'unknown pending action');
  return stored.view;
}

/** One page. */
export async function handleListPending(
  deps: Pick<ApprovalsDeps, 'pool'>,
  query: PendingListQuery,
): Promise<PendingListReply> {
  let after: PendingPosition | undefined;
  if (query.cursor !== undefined) {
    after = decodeCursor(query.cursor);
    if (after === undefined) {
      throw new AppError(ErrorCode.BAD_REQUEST, 'invalid cursor', {
        details: {
          issues: [{ path: 'cursor', code: 'invalid_cursor', message: 'unknown cursor' }],
        },
      });
    }
  }
  const rows = await listPending(deps.pool, {
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.namespace === undefined ? {} : { namespace: query.namespace }),
    ...(after === undefined ? {} : { after }),
    limit: query.limit,
  });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const more = rows.length > query.limit && last !== undefined;
  return {
    items: page.map((r) => r.view),
    next_cursor: more
      ? encodeCursor({ requestedAtMs: last.requestedAtMs, id: last.view.id })
      : null,
  };
}
