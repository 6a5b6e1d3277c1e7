import { AppError, EnrollReplySchema, checkAgentId } from '@fedplane/core';
import { FixedSubject, request } from '@fedplane/messaging';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { readUserFile } from '../args.js';
import type { CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import { ISSUER_REQUEST_TIMEOUT_MS, type IssuerCommandDeps } from './issuer-client.js';
import { natsConnectOptions } from '../nats-connection.js';

/**
 * `fedplane enroll --file nodes.txt`: many enrollments over one connection, with progress on
 * stderr (every second, and at the end). The file lists one node id per line; blank lines and
 * `#` comments are skipped. `--region` and `--ttl` apply to every node. Every node is tried; the
 * exit code is 1 when any failed.
 */

const PROGRESS_EVERY_MS = 1_000;
/** Most node ids one file may list. */
export const MAX_BULK_NODES = 100_000;

/** The node ids of a bulk file; a bad id or an empty file is a usage error naming the line. */
export function parseNodeList(text: string): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const checked = checkAgentId(line);
    if (!checked.ok)
      throw new UsageError(`line ${String(i + 1)}: not a valid node id (${checked.reason})`);
    if (!seen.has(line)) ids.push(line);
    seen.add(line);
  });
  if (ids.length === 0) throw new UsageError('the file lists no node id');
  if (ids.length > MAX_BULK_NODES)
    throw new UsageError(`at most ${String(MAX_BULK_NODES)} nodes per file`);
  return ids;
}

type Enrolled = { node_id: string; join_token: string; expires_at: string };
type Failed = { node_id: string; error: string; message: string };

/** Enrolls every node of `file`. */
export async function enrollFromFile(
  deps: IssuerCommandDeps,
  io: CliIo,
  input: { readonly file: string; readonly region?: string; readonly ttl?: number },
): Promise<CommandResult> {
  const ids = parseNodeList(readUserFile(io, input.file, 'node list'));
  let nc: NatsConnection;
  try {
    nc = await connect({ ...natsConnectOptions(deps.env()), name: 'fedplane-cli', timeout: 5_000 });
  } catch (err) {
    const message = `cannot reach NATS: ${err instanceof Error ? err.message : String(err)}`;
    return {
      exitCode: ExitCode.NEGATIVE,
      json: { ok: false, error: 'UNAVAILABLE', message },
      text: message,
    };
  }
  const enrolled: Enrolled[] = [];
  const failed: Failed[] = [];
  let lastProgress = Date.now();
  try {
    for (const [i, nodeId] of ids.entries()) {
      try {
        const reply = await request(
          nc,
          FixedSubject.issuerEnroll,
          {
            node_id: nodeId,
            ...(input.region === undefined ? {} : { region: input.region }),
            ...(input.ttl === undefined ? {} : { ttl_s: input.ttl }),
          },
          { schema: EnrollReplySchema, timeoutMs: ISSUER_REQUEST_TIMEOUT_MS },
        );
        enrolled.push({
          node_id: nodeId,
          join_token: reply.join_token,
          expires_at: reply.expires_at,
        });
      } catch (err) {
        failed.push({
          node_id: nodeId,
          error: err instanceof AppError ? String(err.code) : 'UNAVAILABLE',
          message: err instanceof Error ? err.message : String(err),
        });
      }
      if (Date.now() - lastProgress >= PROGRESS_EVERY_MS || i === ids.length - 1) {
        lastProgress = Date.now();
        io.err(
          `enroll: ${String(i + 1)}/${String(ids.length)} done (${String(failed.length)} failed)`,
        );
      }
    }
  } finally {
    await nc.close().catch(() => undefined);
  }
  const ok = failed.length === 0;
  return {
    exitCode: ok ? ExitCode.OK : ExitCode.NEGATIVE,
    json: { ok, enrolled, failed },
    text: [
      `enrolled ${String(enrolled.length)} of ${String(ids.length)} nodes; join tokens (shown once; one per node, as FED_JOIN_TOKEN):`,
      ...enrolled.map((e) => `${e.node_id} ${e.join_token} ${e.expires_at}`),
      ...failed.map((f) => `FAILED ${f.node_id}: ${f.error}: ${f.message}`),
    ].join('\n'),
  };
}
