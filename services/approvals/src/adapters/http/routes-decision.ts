import {
  APPROVAL_REPLAY_TTL_S,
  AgentIdSchema,
  AppError,
  DecisionBodySchema,
  DecisionResponseSchema,
  ErrorBodySchema,
  ErrorCode,
  PendingIdSchema,
  approvalReplayKey,
  fromUtf8,
  parseJsonText,
  verifyApproval,
  type DecisionBody,
  type DecisionResponse,
  type ErrorBody,
} from '@fedplane/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApprovalsDeps } from '../../shell/approvals-deps.js';
import { handleDecision } from '../../shell/handle-decision.js';
import { claimSignature } from '../pg-replay.js';
import { HMAC_FAILURE_BODY } from './auth.js';
import { singleHeader } from './request-headers.js';

/**
 * `POST /api/v1/approvals/:id` (approvals.md; reference §6.2). The body is kept as the raw bytes
 * sent (any content type) because the HMAC covers them exactly; nothing is parsed or validated
 * before authentication, so every authentication failure — no secret, bad or missing headers,
 * outside the 300 s / 60 s window, wrong id, wrong body, a signature already used on any replica
 * (Postgres replay cache, 600 s) — is the same 401 body. Then: body (400), id (400), decider
 * `X-Agent-Id` (400), and the decision itself (403 / 404 / 409 / 200).
 */

/** Largest decision body accepted (the JSON is tiny). */
export const DECISION_BODY_LIMIT = 4 * 1024;

/** Options of {@link registerDecisionRoute}. */
export type DecisionRouteOptions = {
  readonly deps: ApprovalsDeps;
  /** The HMAC secret; null = none configured (every decision is refused). */
  readonly hmacSecret: string | null;
  /** Counts failed authentications by reason (metrics); optional. */
  readonly onAuthFailure?: (reason: string) => void;
};

function badRequest(field: string, message: string): AppError {
  return new AppError(ErrorCode.BAD_REQUEST, message, {
    details: { issues: [{ path: field, code: 'invalid', message }] },
  });
}

function parseBody(raw: Uint8Array): DecisionBody {
  const text = fromUtf8(raw);
  const json = text === undefined ? undefined : parseJsonText(text);
  if (json === undefined || !json.ok) throw badRequest('', 'body is not JSON');
  const parsed = DecisionBodySchema.safeParse(json.value);
  if (!parsed.success) throw badRequest('decision', 'body must be {decision, remember?}');
  return parsed.data;
}

type RouteResult =
  | { readonly code: 200; readonly body: DecisionResponse }
  | { readonly code: 401; readonly body: ErrorBody };

async function decideRoute(
  options: DecisionRouteOptions,
  request: FastifyRequest,
): Promise<RouteResult> {
  const { deps } = options;
  const raw = Buffer.isBuffer(request.body) ? new Uint8Array(request.body) : new Uint8Array(0);
  const { id } = request.params as { id: string };
  const nowMs = deps.clock.nowMs();
  const signature = singleHeader(request, 'x-ai-memory-signature');
  const auth = verifyApproval({
    secret: options.hmacSecret,
    nowS: Math.floor(nowMs / 1000),
    pendingId: id,
    method: 'POST',
    rawBody: raw,
    signatureHeader: signature,
    timestampHeader: singleHeader(request, 'x-ai-memory-timestamp'),
  });
  let reason: string | undefined = auth.ok ? undefined : auth.error.reason;
  if (auth.ok && signature !== undefined) {
    const fresh = await claimSignature(deps.pool, {
      key: approvalReplayKey(signature),
      nowMs,
      expiresAtMs: nowMs + APPROVAL_REPLAY_TTL_S * 1000,
    });
    if (!fresh) reason = 'signature_replayed';
  }
  if (reason !== undefined) {
    options.onAuthFailure?.(reason);
    deps.log.debug({ reason, request_id: request.id }, 'decision authentication failed');
    return { code: 401, body: HMAC_FAILURE_BODY };
  }
  const body = parseBody(raw);
  const pendingId = PendingIdSchema.safeParse(id);
  if (!pendingId.success) throw badRequest('id', 'invalid pending id');
  const decider = AgentIdSchema.safeParse(singleHeader(request, 'x-agent-id')?.trim());
  if (!decider.success) throw badRequest('x-agent-id', 'X-Agent-Id must be a valid agent id');
  return {
    code: 200,
    body: await handleDecision(deps, { id: pendingId.data, decider: decider.data, body }),
  };
}

/** Registers the route in its own scope (raw-body parser for every content type). */
export async function registerDecisionRoute(
  app: FastifyInstance,
  options: DecisionRouteOptions,
): Promise<void> {
  await app.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: DECISION_BODY_LIMIT },
      (_req, body, next) => next(null, body),
    );
    scope.withTypeProvider<ZodTypeProvider>().route({
      method: 'POST',
      url: '/api/v1/approvals/:id',
      // Validation happens in the handler, after authentication (see the module comment).
      validatorCompiler: () => (data: unknown) => ({ value: data }),
      schema: {
        summary: 'Approve or deny a pending action (HMAC-signed)',
        description:
          'Headers X-AI-Memory-Signature: sha256=<hex HMAC-SHA256 keyed by SHA-256(secret) over ' +
          '"<timestamp>.POST.<id>.<raw body>">, X-AI-Memory-Timestamp: <unix seconds>, ' +
          'X-Agent-Id: <decider>. Every authentication failure is the same 401.',
        tags: ['decisions'],
        params: z.object({ id: z.string() }),
        headers: z.object({
          'x-ai-memory-signature': z.string(),
          'x-ai-memory-timestamp': z.string(),
          'x-agent-id': z.string(),
        }),
        body: DecisionBodySchema,
        response: {
          200: DecisionResponseSchema,
          401: ErrorBodySchema,
          403: ErrorBodySchema,
          404: ErrorBodySchema,
          409: ErrorBodySchema,
        },
      },
      handler: async (request, reply) => {
        const result = await decideRoute(options, request);
        return reply.code(result.code).send(result.body);
      },
    });
    done();
  });
}
