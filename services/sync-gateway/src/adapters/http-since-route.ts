import { SinceQuerySchema, parseSchema } from '@fedplane/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { splitTarget } from '../core/edge-request.js';
import type { EdgeAuth } from '../shell/edge-auth.js';
import type { SyncEngine } from '../shell/ports.js';
import { badRequest, unauthenticated } from './http-replies.js';
import { authHeaders } from './http-push-route.js';

/**
 * `GET /api/v1/sync/since` (sync.md Read path; reference §5.5): the signed GET (canonical bytes
 * `"GET\n" + path + "\n" + raw query`, then `0x00 ‖ nonce`) under the live posture (401 `<tag>`),
 * the query (`since`, `limit` default 500 max 10 000, `peer`, `cursor`; 400 listing every issue),
 * then one keyset page from the engine with `next_cursor`.
 */

/** The route path. */
export const SYNC_SINCE_PATH = '/api/v1/sync/since';

async function handleSince(
  deps: { readonly engine: SyncEngine; readonly auth: EdgeAuth },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { path, rawQuery } = splitTarget(request.url);
  const decision = deps.auth.authenticate({
    transport: 'http',
    route: 'since',
    headers: authHeaders(request),
    target: { kind: 'get', path, rawQuery },
    requestId: request.id,
  });
  if (decision.outcome === 'refuse') return unauthenticated(reply, decision.problem);
  const query = parseSchema(SinceQuerySchema, request.query);
  if (!query.ok) return badRequest(reply, 'invalid sync_since query', query.error.issues);
  const sender =
    decision.peerId === undefined
      ? undefined
      : { peerId: decision.peerId, verified: decision.verified };
  const page = await deps.engine.since(query.value, sender);
  return reply.code(200).send(page);
}

/** Registers the route. */
export function registerSinceRoute(
  app: FastifyInstance,
  deps: { readonly engine: SyncEngine; readonly auth: EdgeAuth },
): void {
  app.get(SYNC_SINCE_PATH, (request, reply) => handleSince(deps, request, reply));
}
