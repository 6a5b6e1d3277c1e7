import {
  AppError,
  ErrorCode,
  HTTP_STATUS,
  errorBody,
  isErrorCode,
  toWireError,
  type ErrorBody,
  type SchemaIssue,
} from '@fedplane/core';
import type { Log } from '@fedplane/messaging';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SenderProblem } from '../core/edge-sender.js';
import type { AuthProblem } from '../core/request-auth.js';

/**
 * Error replies of the HTTP edge, all `{error, message, ...details}` (bus.md Errors) with the
 * registry's status: 401 `UNAUTHENTICATED` with the reference tag in `reason` (and as the
 * message, like the reference's `401 <tag>`), 403 `FORBIDDEN` for the sender attestation, 400
 * `BAD_REQUEST` with `issues`, 413 `TOO_LARGE` with `max`, 404 for unknown routes, 500
 * `INTERNAL` (logged once, with the request id) for anything unexpected.
 */

/** Sends `body` with the status its code maps to. */
export function sendError(reply: FastifyReply, body: ErrorBody): FastifyReply {
  return reply.code(HTTP_STATUS[body.error]).send(body);
}

/** 401 for an authentication problem. */
export function unauthenticated(reply: FastifyReply, problem: AuthProblem): FastifyReply {
  return sendError(
    reply,
    errorBody(ErrorCode.UNAUTHENTICATED, problem.tag, { ...problem.details, reason: problem.tag }),
  );
}

/** 401 (allowlist) or 403 (sender attestation) for a sender problem. */
export function senderRefused(reply: FastifyReply, problem: SenderProblem): FastifyReply {
  const { tag, ...details } = problem;
  const code =
    tag === 'x_peer_id_not_in_allowlist' ? ErrorCode.UNAUTHENTICATED : ErrorCode.FORBIDDEN;
  return sendError(reply, errorBody(code, tag, { ...details, reason: tag }));
}

/** 400 listing the issues. */
export function badRequest(
  reply: FastifyReply,
  message: string,
  issues: readonly SchemaIssue[] | readonly { readonly path: string; readonly message: string }[],
): FastifyReply {
  return sendError(reply, errorBody(ErrorCode.BAD_REQUEST, message, { issues }));
}

type HttpLikeError = {
  readonly statusCode?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
};

function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as HttpLikeError).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Installs the error and not-found handlers: an `AppError` keeps its code; fastify's own client
 * errors (body over `bodyLimit`, bad content length, …) become `TOO_LARGE` / `BAD_REQUEST`;
 * anything else is `INTERNAL`, logged once with the request id.
 */
export function installErrorHandlers(
  app: FastifyInstance,
  options: { readonly log: Log; readonly maxBodyBytes: number },
): void {
  app.setNotFoundHandler((_request, reply) =>
    sendError(reply, errorBody(ErrorCode.NOT_FOUND, 'no such route')),
  );
  app.setErrorHandler((err: unknown, request, reply) => {
    if (err instanceof AppError && isErrorCode(err.code)) {
      if (err.code === ErrorCode.INTERNAL) {
        options.log.error({ err, request_id: request.id }, 'sync request failed');
      }
      return sendError(reply, toWireError(err));
    }
    const status = httpStatusOf(err);
    if (status === 413) {
      return sendError(
        reply,
        errorBody(ErrorCode.TOO_LARGE, 'request body too large', { max: options.maxBodyBytes }),
      );
    }
    if (status !== undefined && status >= 400 && status < 500) {
      const message = err instanceof Error ? err.message : 'bad request';
      return sendError(reply, errorBody(ErrorCode.BAD_REQUEST, message.slice(0, 200)));
    }
    options.log.error({ err, request_id: request.id }, 'sync request failed');
    return sendError(
      reply,
      errorBody(ErrorCode.INTERNAL, 'internal error', { request_id: request.id }),
    );
  });
}
