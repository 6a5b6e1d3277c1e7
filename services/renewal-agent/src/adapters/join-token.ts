import { readFile } from 'node:fs/promises';
import {
  AppError,
  EnrollReplySchema,
  ErrorCode,
  JoinTokenSchema,
  checkAgentId,
} from '@fedplane/core';
import { FixedSubject, request } from '@fedplane/messaging';
import type { NatsConnection } from '@nats-io/nats-core';
import type { JoinTokenConfig } from '../config.js';
import type { JoinTokenSource } from '../shell/ports.js';

/**
 * Where join tokens come from: `FED_JOIN_TOKEN`, or `FED_JOIN_TOKEN_FILE` re-read at every
 * attestation (an operator can drop a fresh token after re-enrolling a node whose credential
 * expired); for a simulation, a file of `<node-id> <token>` lines or `fed.issuer.enroll`.
 */

function code(err: unknown): string | undefined {
  const value = (err as { code?: unknown }).code;
  return typeof value === 'string' ? value : undefined;
}

/** Checks a token's shape; throws `AppError(BAD_REQUEST)` (never echoing the token). */
function checked(token: string, where: string): string {
  if (!JoinTokenSchema.safeParse(token).success) {
    throw new AppError(ErrorCode.BAD_REQUEST, `${where}: not a join token`, {
      details: { reason: 'join_token_invalid' },
    });
  }
  return token;
}

/** The token source of a real node. A missing token file means "no token" (undefined). */
export function joinTokenSource(
  config: JoinTokenConfig,
  read: (path: string) => Promise<string> = (path) => readFile(path, 'utf8'),
): JoinTokenSource {
  switch (config.kind) {
    case 'none':
      return () => Promise.resolve(undefined);
    case 'value':
      return () => Promise.resolve(config.token);
    case 'file':
      return async () => {
        let text: string;
        try {
          text = await read(config.path);
        } catch (err) {
          if (code(err) === 'ENOENT') return undefined;
          throw err;
        }
        const token = text.trim();
        return token === '' ? undefined : checked(token, config.path);
      };
    default: {
      const never: never = config;
      return never;
    }
  }
}

/**
 * Parses a simulation tokens file: one `<node-id> <token>` per line (blank lines and `#` comments
 * ignored). Throws `AppError(BAD_REQUEST)` naming the first bad line.
 */
export function parseTokenLines(text: string): ReadonlyMap<string, string> {
  const tokens = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [nodeId = '', token = '', ...rest] = line.split(/\s+/);
    if (rest.length > 0 || !checkAgentId(nodeId).ok) {
      throw new AppError(
        ErrorCode.BAD_REQUEST,
        `tokens file line ${String(index + 1)}: expected "<node-id> <token>"`,
      );
    }
    tokens.set(nodeId, checked(token, `tokens file line ${String(index + 1)}`));
  });
  return tokens;
}

/**
 * A token source per simulated node from a tokens file. A token stays offered after a failed
 * attestation (the issuer may have been unreachable); the issuer refuses a used one.
 */
export async function tokensFromFile(path: string): Promise<(nodeId: string) => JoinTokenSource> {
  const tokens = parseTokenLines(await readFile(path, 'utf8'));
  return (nodeId) => () => Promise.resolve(tokens.get(nodeId));
}

/** A token source per simulated node that enrolls it through `fed.issuer.enroll` each time. */
export function tokensFromEnroll(
  nc: NatsConnection,
  timeoutMs: number,
): (nodeId: string) => JoinTokenSource {
  return (nodeId) => async () => {
    const reply = await request(
      nc,
      FixedSubject.issuerEnroll,
      { node_id: nodeId },
      { schema: EnrollReplySchema, timeoutMs },
    );
    return reply.join_token;
  };
}
