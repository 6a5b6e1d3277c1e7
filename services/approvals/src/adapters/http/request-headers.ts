import type { FastifyRequest } from 'fastify';

/**
 * One header value as sent, or undefined when absent or repeated (a repeated auth header is
 * treated as missing, never joined).
 */
export function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}
