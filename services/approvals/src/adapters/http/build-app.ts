import { fastifySSE } from '@fastify/sse';
import { fastifySwagger } from '@fastify/swagger';
import { fastifySwaggerUi } from '@fastify/swagger-ui';
import type { Log } from '@fedplane/messaging';
import { fastify, type FastifyInstance, type preHandlerHookHandler } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { ApprovalsDeps } from '../../shell/approvals-deps.js';
import type { SseHub } from '../../shell/sse-hub.js';
import { registerUi, type UiOptions } from '../ui/register-ui.js';
import { API_KEY_FAILURE_BODY, apiKeyChecker } from './auth.js';
import { installErrorHandlers } from './errors.js';
import { registerDecisionRoute } from './routes-decision.js';
import { registerPendingRoutes } from './routes-pending.js';
import { registerRuleRoutes } from './routes-rules.js';
import { registerStreamRoute } from './routes-stream.js';

/**
 * The approvals HTTP app (approvals.md "HTTP API"): fastify with the zod type provider, OpenAPI
 * at `/docs` (JSON at `/docs/json`), the pending, decision, stream and rules routes, and the
 * operator console at `/ui`. Not listening: `main.ts` (and tests) call `listen`, or `inject`.
 */

/** Options of {@link buildApprovalsApp}. */
export type ApprovalsAppOptions = {
  readonly deps: ApprovalsDeps;
  readonly hub: SseHub;
  /** Accepted `x-api-key` values; none = every API-key route answers 401. */
  readonly apiKeys: readonly string[];
  /** The decision HMAC secret; null = every decision answers 401. */
  readonly hmacSecret: string | null;
  /** Options of the `/ui` console, or false to leave it out (default: served). */
  readonly ui?: UiOptions | false;
  /** Counts failed decision authentications by reason. */
  readonly onAuthFailure?: (reason: string) => void;
  /** Service version shown in the OpenAPI document. */
  readonly version?: string;
};

/** Builds the app (routes registered, not listening). */
export async function buildApprovalsApp(options: ApprovalsAppOptions): Promise<FastifyInstance> {
  const log: Log = options.deps.log;
  const app = fastify({ logger: false, bodyLimit: 256 * 1024, forceCloseConnections: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app, log);
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'fedplane approvals',
        description: 'Pending actions, HMAC-signed decisions, the SSE stream, remembered rules.',
        version: options.version ?? '0.1.0',
      },
      components: {
        securitySchemes: { apiKey: { type: 'apiKey', name: 'x-api-key', in: 'header' } },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifySSE);

  const accepts = apiKeyChecker(options.apiKeys);
  const requireApiKey: preHandlerHookHandler = (request, reply, done) => {
    if (accepts(request.headers['x-api-key'])) {
      done();
      return;
    }
    void reply.code(401).send(API_KEY_FAILURE_BODY);
  };
  registerPendingRoutes(app, options.deps, requireApiKey);
  registerRuleRoutes(app, options.deps, requireApiKey);
  registerStreamRoute(app, options.hub, requireApiKey);
  await registerDecisionRoute(app, {
    deps: options.deps,
    hmacSecret: options.hmacSecret,
    ...(options.onAuthFailure === undefined ? {} : { onAuthFailure: options.onAuthFailure }),
  });
  if (options.ui !== false) registerUi(app, options.ui ?? {});
  return app;
}
