import {
  PendingActionViewSchema,
  PendingIdSchema,
  PendingListQuerySchema,
  PendingListReplySchema,
} from '@fedplane/core';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApprovalsDeps } from '../../shell/approvals-deps.js';
import { handleGetPending, handleListPending } from '../../shell/handle-pending.js';

/**
 * `GET /api/v1/pending?status=&namespace=&limit=&cursor=` (keyset pages, oldest first) and
 * `GET /api/v1/pending/:id`, both behind `x-api-key`.
 */
export function registerPendingRoutes(
  app: FastifyInstance,
  deps: ApprovalsDeps,
  requireApiKey: preHandlerHookHandler,
): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    '/api/v1/pending',
    {
      preHandler: requireApiKey,
      schema: {
        summary: 'List pending actions (keyset pages, oldest first)',
        tags: ['pending'],
        querystring: PendingListQuerySchema,
        response: { 200: PendingListReplySchema },
      },
    },
    (request) => handleListPending(deps, request.query),
  );
  typed.get(
    '/api/v1/pending/:id',
    {
      preHandler: requireApiKey,
      schema: {
        summary: 'One pending action',
        tags: ['pending'],
        params: z.object({ id: PendingIdSchema }),
        response: { 200: PendingActionViewSchema },
      },
    },
    (request) => handleGetPending(deps, request.params.id),
  );
}
