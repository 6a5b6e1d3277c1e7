import { randomUUID } from 'node:crypto';
import type { Log } from '@fedplane/messaging';
import { fastify, type FastifyInstance } from 'fastify';
import type { EdgeAuth } from '../shell/edge-auth.js';
import type { SyncEngine } from '../shell/ports.js';
import { registerPushRoute } from './http-push-route.js';
import { installErrorHandlers } from './http-replies.js';
import { registerSinceRoute } from './http-since-route.js';

/**
 * The gateway's HTTP compatibility surface (sync.md; reference §5.3, §5.5): an ai-memory daemon
 * pushes to and pulls from its node's gateway exactly as it would from a peer daemon. Bodies of
 * every content type are kept as raw bytes (the signature covers the exact bytes sent) up to
 * `SYNC_MAX_BODY_BYTES` (413 beyond it, before the body is read when `content-length` says so).
 */

/** Default `SYNC_MAX_BODY_BYTES`: 8 MiB. */
export const DEFAULT_SYNC_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Options of {@link buildSyncHttp}. */
export type SyncHttpOptions = {
  readonly engine: SyncEngine;
  /** The authenticator (`createEdgeAuth`), shared with the NATS endpoints. */
  readonly auth: EdgeAuth;
  readonly log: Log;
  readonly limits?: {
    /** Largest request body in bytes (default {@link DEFAULT_SYNC_MAX_BODY_BYTES}). */
    readonly maxBodyBytes?: number;
  };
};

/**
 * Builds the fastify app with `POST /api/v1/sync/push` and `GET /api/v1/sync/since`, not
 * listening: the caller listens (`app.listen({port, host})`) and closes it (`app.close()`, which
 * lets in-flight requests finish). Tests may use `app.inject`.
 */
export function buildSyncHttp(options: SyncHttpOptions): FastifyInstance {
  const maxBodyBytes = options.limits?.maxBodyBytes ?? DEFAULT_SYNC_MAX_BODY_BYTES;
  const app = fastify({ logger: false, bodyLimit: maxBodyBytes, genReqId: () => randomUUID() });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });
  installErrorHandlers(app, { log: options.log, maxBodyBytes });
  const deps = { engine: options.engine, auth: options.auth };
  registerPushRoute(app, deps);
  registerSinceRoute(app, deps);
  return app;
}
