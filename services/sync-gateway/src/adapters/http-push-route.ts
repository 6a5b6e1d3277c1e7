import {
  CREDENTIAL_HEADER,
  CHAIN_HEADER,
  SyncPushBodySchema,
  fromUtf8,
  parseJsonText,
  parseSchema,
} from '@fedplane/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { headerValue, senderWallClockMs } from '../core/edge-request.js';
import { checkPeerAllowlist, checkPushSender } from '../core/edge-sender.js';
import { normalizePeerId, type AuthHeaders } from '../core/request-auth.js';
import type { EdgeAuth } from '../shell/edge-auth.js';
import type { SyncEngine } from '../shell/ports.js';
import { badRequest, senderRefused, unauthenticated } from './http-replies.js';

/**
 * `POST /api/v1/sync/push` (sync.md Write path steps 1–2, 5; reference §5.3), in the reference's
 * order: peer allowlist (401 `x_peer_id_not_in_allowlist`), signature + nonce over the raw body
 * bytes (401 `<tag>`), JSON (400 `malformed sync_push body`), sender attestation (403
 * `peer_id_header_missing` / `sender_agent_id_mismatch`), schema incl. the 1 000-per-collection
 * cap (400 listing every issue), then the engine: 200 report, 202 `quorum_not_met`, 400 invalid.
 */

/** The route path. */
export const SYNC_PUSH_PATH = '/api/v1/sync/push';

/** The reference's authentication headers of a request (`x-peer-id`, `x-memory-*`). */
export function authHeaders(request: FastifyRequest): AuthHeaders {
  const h = request.headers;
  return {
    peerId: headerValue(h['x-peer-id']),
    credential: headerValue(h[CREDENTIAL_HEADER]),
    chain: headerValue(h[CHAIN_HEADER]),
    signature: headerValue(h['x-memory-sig']),
    nonce: headerValue(h['x-memory-nonce']),
  };
}

function rawBody(body: unknown): Uint8Array {
  return body instanceof Uint8Array ? body : new Uint8Array(0);
}

function parseBody(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  const text = fromUtf8(bytes);
  if (text === undefined) return { ok: false };
  const json = parseJsonText(text);
  return json.ok ? { ok: true, value: json.value } : { ok: false };
}

function claimedSender(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const value: unknown = (body as Record<string, unknown>)['sender_agent_id'];
  return typeof value === 'string' ? value : undefined;
}

async function handlePush(
  deps: { readonly engine: SyncEngine; readonly auth: EdgeAuth },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { engine, auth } = deps;
  const headers = authHeaders(request);
  const allowed = checkPeerAllowlist(auth.scopes(), normalizePeerId(headers.peerId));
  if (!allowed.ok) return senderRefused(reply, allowed.problem);
  const bytes = rawBody(request.body);
  const json = parseBody(bytes);
  const decision = auth.authenticate({
    transport: 'http',
    route: 'push',
    headers,
    target: {
      kind: 'push',
      body: bytes,
      senderWallClockMs: json.ok ? senderWallClockMs(json.value) : null,
    },
    requestId: request.id,
  });
  if (decision.outcome === 'refuse') return unauthenticated(reply, decision.problem);
  if (!json.ok) {
    return badRequest(reply, 'malformed sync_push body', [
      { path: '', message: 'body is not UTF-8 JSON' },
    ]);
  }
  const claimed = claimedSender(json.value);
  if (claimed !== undefined) {
    const sender = checkPushSender(auth.scopes(), decision.peerId, claimed);
    if (!sender.ok) return senderRefused(reply, sender.problem);
  }
  const body = parseSchema(SyncPushBodySchema, json.value);
  if (!body.ok) return badRequest(reply, 'malformed sync_push body', body.error.issues);
  // The schema requires `sender_agent_id`, so `claimed` was checked above and the peer id is set.
  const peerId = decision.peerId ?? body.value.sender_agent_id;
  const outcome = await engine.push(body.value, { peerId, verified: decision.verified });
  switch (outcome.kind) {
    case 'quorum_met':
      return reply.code(200).send(outcome.report);
    case 'quorum_not_met':
      return reply.code(202).send(outcome.body);
    case 'invalid':
      return badRequest(reply, 'invalid records', outcome.issues);
  }
}

/** Registers the route. */
export function registerPushRoute(
  app: FastifyInstance,
  deps: { readonly engine: SyncEngine; readonly auth: EdgeAuth },
): void {
  app.post(SYNC_PUSH_PATH, (request, reply) => handlePush(deps, request, reply));
}
