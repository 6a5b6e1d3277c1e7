import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { AppError, EnrollReplySchema, ErrorCode, isAgentId, parseDuration } from '@fedplane/core';
import { FixedSubject, request } from '@fedplane/messaging';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { optionalString, requireString, type ParsedArgs } from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { UsageError } from '../usage-error.js';
import { natsConnectOptions } from '../nats-connection.js';

/**
 * `fedplane bootstrap enroll <node-id>... --out FILE`: enrolls demo or first nodes as the admin
 * NATS user and writes their join tokens where the renewal-agents read them: one node → the token
 * alone (`FED_JOIN_TOKEN_FILE`); several → `<node-id> <token>` lines
 * (`RENEWAL_AGENT_SIMULATE_TOKENS`). Waits (`--wait`, default 60s) for NATS and the issuer, as a
 * compose one-shot starts before they are ready. A non-empty FILE is kept and nothing is enrolled
 * again, so re-running `docker compose up` does not re-enroll attested nodes. Connection from the
 * environment: `NATS_URL`, `NATS_USER`, `NATS_PASSWORD` or `NATS_PASSWORD_FILE`.
 */

type Env = Readonly<Record<string, string | undefined>>;

const RETRY_MS = 1_000;
const REQUEST_TIMEOUT_MS = 5_000;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function connectUntil(env: Env, deadline: number): Promise<NatsConnection> {
  const options = natsConnectOptions(env);
  for (;;) {
    try {
      return await connect({ ...options, name: 'fedplane-bootstrap-enroll', timeout: 5_000 });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await pause(RETRY_MS);
    }
  }
}

async function enrollUntil(nc: NatsConnection, nodeId: string, deadline: number): Promise<string> {
  for (;;) {
    try {
      const reply = await request(
        nc,
        FixedSubject.issuerEnroll,
        { node_id: nodeId },
        { schema: EnrollReplySchema, timeoutMs: REQUEST_TIMEOUT_MS },
      );
      return reply.join_token;
    } catch (err) {
      const retryable = err instanceof AppError && err.code === ErrorCode.UNAVAILABLE;
      if (!retryable || Date.now() > deadline) throw err;
      await pause(RETRY_MS);
    }
  }
}

function hasContent(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

function waitMs(args: ParsedArgs): number {
  const text = optionalString(args, 'wait') ?? '60s';
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new UsageError(`--wait must be a duration like 60s, got ${text}`);
  return parsed.seconds * 1000;
}

/** Runs the command against `env` (the real process passes `process.env`). */
export async function runBootstrapEnroll(args: ParsedArgs, env: Env): Promise<CommandResult> {
  const out = requireString(args, 'out');
  const nodes = args.positionals;
  if (nodes.length === 0) throw new UsageError('expected at least one <node-id>');
  const bad = nodes.find((n) => !isAgentId(n));
  if (bad !== undefined) throw new UsageError(`not a valid node id: ${JSON.stringify(bad)}`);
  if (hasContent(out)) {
    return {
      exitCode: ExitCode.OK,
      json: { ok: true, out, kept: true, nodes: [] },
      text: `kept ${out} (already holds join tokens; delete it to enroll again)`,
    };
  }
  const deadline = Date.now() + waitMs(args);
  let nc: NatsConnection;
  try {
    nc = await connectUntil(env, deadline);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return failure('UNAVAILABLE', `cannot reach NATS: ${message}`);
  }
  const tokens: string[] = [];
  try {
    for (const node of nodes) tokens.push(await enrollUntil(nc, node, deadline));
  } catch (err) {
    const code: string = err instanceof AppError ? String(err.code) : ErrorCode.INTERNAL;
    return failure(code, err instanceof Error ? err.message : String(err));
  } finally {
    await nc.close();
  }
  const text =
    nodes.length === 1
      ? `${tokens[0] ?? ''}\n`
      : nodes.map((n, i) => `${n} ${tokens[i] ?? ''}\n`).join('');
  const temp = `${out}.${String(process.pid)}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  renameSync(temp, out);
  return {
    exitCode: ExitCode.OK,
    json: { ok: true, out, kept: false, nodes },
    text: `enrolled ${nodes.join(', ')}; join token(s) in ${out}`,
  };
}

function failure(error: string, message: string): CommandResult {
  return {
    exitCode: ExitCode.NEGATIVE,
    json: { ok: false, error, message },
    text: `bootstrap enroll failed: ${error}: ${message}`,
  };
}

/** `fedplane bootstrap enroll`. */
export const bootstrapEnrollCommand: Command = {
  path: ['bootstrap', 'enroll'],
  synopsis: '<node-id>... --out FILE [--wait 60s]',
  summary: 'Enroll first nodes and write their join tokens to a file (waits for the issuer).',
  details: `Calls fed.issuer.enroll (admin permission) for each node and writes the join tokens to
FILE (0600): the token alone for one node (FED_JOIN_TOKEN_FILE), "<node-id> <token>" lines for
several (RENEWAL_AGENT_SIMULATE_TOKENS). A non-empty FILE is kept and nothing is enrolled. Retries
until --wait passes while NATS or the issuer is not up. Connects with NATS_URL, NATS_USER and
NATS_PASSWORD or NATS_PASSWORD_FILE.`,
  options: { out: { type: 'string' }, wait: { type: 'string' } },
  run: (args) => runBootstrapEnroll(args, process.env),
};
