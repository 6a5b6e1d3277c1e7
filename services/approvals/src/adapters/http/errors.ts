import { AppError, ErrorCode, HTTP_STATUS, errorBody, toWireError } from '@fedplane/core';
import type { Log } from '@fedplane/messaging';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/**
 * The one place HTTP errors are mapped (house-style §2.5): `AppError` codes through core's
 * `HTTP_STATUS` with the bus.md body `{error, message, ...details}`; request validation failures
 * as `BAD_REQUEST` with the issues; fastify's own client errors (bad JSON, too large) by status;
 * anything else `INTERNAL`, logged once with the request id. Unknown routes are `NOT_FOUND`.
 */

function fastifyClientError(err: FastifyError): AppError | undefined {
  const status = err.statusCode ?? 500;
  if (status === 413) return new AppError(ErrorCode.TOO_LARGE, 'request body too large');
  if (status === 415 || status === 400) {
    return new AppError(ErrorCode.BAD_REQUEST, err.message.slice(0, 200));
  }
  if (status === 404) return new AppError(ErrorCode.NOT_FOUND, 'not found');
  if (status === 406) return new AppError(ErrorCode.BAD_REQUEST, 'not acceptable');
  return undefined;
}

/** Installs the error and not-found handlers on `app`. */
export function installErrorHandlers(app: FastifyInstance, log: Log): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({
        path: v.instancePath.replace(/^\//, '').replaceAll('/', '.'),
        code: 'invalid',
        message: v.message,
      }));
      return reply
        .code(400)
        .send(errorBody(ErrorCode.BAD_REQUEST, 'request failed validation', { issues }));
    }
    const mapped = err instanceof AppError ? err : fastifyClientError(err);
    const body = toWireError(mapped ?? err);
    if (body.error === ErrorCode.INTERNAL) {
      log.error({ err, request_id: request.id, url: request.url }, 'request failed');
      return reply.code(500).send({ ...body, request_id: request.id });
    }
    return reply.code(HTTP_STATUS[body.error]).send(body);
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send(errorBody(ErrorCode.NOT_FOUND, 'no such route')),
  );
}
