import { AgentIdSchema, RuleIdSchema, RuleListReplySchema } from '@fedplane/core';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApprovalsDeps } from '../../shell/approvals-deps.js';
import { handleDeleteRule, handleListRules } from '../../shell/handle-rules.js';
import { singleHeader } from './request-headers.js';

/** `GET /api/v1/rules` and `DELETE /api/v1/rules/:id`, behind `x-api-key`. */
export function registerRuleRoutes(
  app: FastifyInstance,
  deps: ApprovalsDeps,
  requireApiKey: preHandlerHookHandler,
): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    '/api/v1/rules',
    {
      preHandler: requireApiKey,
      schema: {
        summary: 'Active remembered rules (session and forever)',
        tags: ['rules'],
        response: { 200: RuleListReplySchema },
      },
    },
    () => handleListRules(deps),
  );
  typed.delete(
    '/api/v1/rules/:id',
    {
      preHandler: requireApiKey,
      schema: {
        summary: 'Delete a remembered rule',
        tags: ['rules'],
        params: z.object({ id: RuleIdSchema }),
        response: { 200: z.object({ deleted: z.literal(true), id: RuleIdSchema }) },
      },
    },
    (request) => {
      const agent = AgentIdSchema.safeParse(singleHeader(request, 'x-agent-id')?.trim());
      return handleDeleteRule(deps, {
        id: request.params.id,
        ...(agent.success ? { deletedBy: agent.data } : {}),
      });
    },
  );
}
