import {
  ACTION_TYPES,
  AgentIdSchema,
  ApprovalRequestReplySchema,
  DlqClassSchema,
  DlqEntrySchema,
  NamespaceSchema,
  fromUtf8,
  type DlqEntry,
} from '@fedplane/core';
import {
  FixedSubject,
  SILENT_LOG,
  StreamName,
  connectBus,
  request,
  syncDlqSubject,
  type Bus,
} from '@fedplane/messaging';
import type { JsMsg } from '@nats-io/jetstream';
import { optionalString, requireString, type ParsedArgs } from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { withPlaneEnv } from '../plane/plane-file.js';
import { UsageError } from '../usage-error.js';
import { agentId } from './approvals-client.js';
import { natsAuth, natsServers } from '../nats-connection.js';

/**
 * `fedplane sync dlq list [--node N]` and `fedplane sync dlq replay --node N [--class C]`
 * (sync.md, DLQ). `list` reads `FED_SYNC_DLQ` with an ordered consumer (nothing durable is
 * created). `replay` asks for approval of `sync_dlq_replay` (`fed.approvals.request`, payload
 * `{node_id, class?}`); once approved, the node's gateway re-verifies and re-applies the entries
 * and emits `sync.dlq_replayed`.
 */

/** What the commands need from the process. */
export type SyncDlqDeps = {
  readonly env: () => Readonly<Record<string, string | undefined>>;
  readonly cwd: () => string;
};

async function withBus<T>(deps: SyncDlqDeps, work: (bus: Bus) => Promise<T>): Promise<T> {
  const env = withPlaneEnv(deps.env(), deps.cwd());
  const bus = await connectBus({
    servers: natsServers(env),
    auth: natsAuth(env),
    name: 'fedplane-cli',
    log: SILENT_LOG,
    connection: { timeout: 5_000, reconnect: false },
  });
  try {
    return await work(bus);
  } finally {
    await bus.close().catch(() => undefined);
  }
}

function nodeFlag(args: ParsedArgs, required: boolean): string | undefined {
  const node = required ? requireString(args, 'node') : optionalString(args, 'node');
  if (node !== undefined && !AgentIdSchema.safeParse(node).success) {
    throw new UsageError(`--node must be a node id, got ${JSON.stringify(node)}`);
  }
  return node;
}

/** Every DLQ entry (of one node, or all), oldest first, with its DLQ stream sequence. */
export async function readDlqEntries(
  bus: Bus,
  node: string | undefined,
): Promise<{ seq: number; entry: DlqEntry }[]> {
  const info = await bus.jsm.streams.info(StreamName.syncDlq);
  const until = info.state.last_seq;
  const out: { seq: number; entry: DlqEntry }[] = [];
  if (info.state.messages === 0) return out;
  const filter = node === undefined ? 'fed.sync.dlq.>' : syncDlqSubject(node);
  const consumer = await bus.js.consumers.get(StreamName.syncDlq, { filter_subjects: filter });
  try {
    for (let seen = 0; seen < until;) {
      const batch = await consumer.fetch({ max_messages: 500, expires: 1_000 });
      let got = 0;
      for await (const msg of batch as AsyncIterable<JsMsg>) {
        got += 1;
        seen = msg.seq;
        let value: unknown;
        try {
          value = JSON.parse(fromUtf8(msg.data) ?? '');
        } catch {
          value = undefined;
        }
        const parsed = DlqEntrySchema.safeParse(value);
        if (parsed.success) out.push({ seq: msg.seq, entry: parsed.data });
        if (seen >= until || msg.info.pending === 0) seen = until;
        if (seen >= until) break;
      }
      if (got === 0) break;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return out;
}

function failure(err: unknown, what: string): CommandResult {
  const message = err instanceof Error ? err.message : String(err);
  return {
    exitCode: ExitCode.NEGATIVE,
    json: { ok: false, error: 'UNAVAILABLE', message },
    text: `${what}: ${message}`,
  };
}

async function list(deps: SyncDlqDeps, args: ParsedArgs): Promise<CommandResult> {
  if (args.positionals.length > 0) throw new UsageError('sync dlq list takes no arguments');
  const node = nodeFlag(args, false);
  try {
    const entries = await withBus(deps, (bus) => readDlqEntries(bus, node));
    const lines = entries.map(
      ({ seq, entry }) =>
        `${String(seq)}  ${entry.failed_at}  ${entry.node_id}  ${entry.class}  ${entry.origin}  ${entry.record_id ?? '-'}  ${entry.detail}`,
    );
    return {
      exitCode: ExitCode.OK,
      json: {
        ok: true,
        count: entries.length,
        entries: entries.map((e) => ({ seq: e.seq, ...e.entry })),
      },
      text: entries.length === 0 ? 'no DLQ entries' : lines.join('\n'),
    };
  } catch (err) {
    return failure(err, 'sync dlq list failed');
  }
}

async function replay(deps: SyncDlqDeps, args: ParsedArgs): Promise<CommandResult> {
  if (args.positionals.length > 0) throw new UsageError('sync dlq replay takes no arguments');
  const node = nodeFlag(args, true) ?? '';
  const cls = optionalString(args, 'class');
  if (cls !== undefined && !DlqClassSchema.safeParse(cls).success) {
    throw new UsageError(`--class must be one of ${DlqClassSchema.options.join(', ')}`);
  }
  const requester = agentId(args, deps.env());
  const perNode = `sync/${node}`;
  const body = {
    action_type: ACTION_TYPES.sync_dlq_replay,
    namespace: NamespaceSchema.safeParse(perNode).success ? perNode : 'sync',
    requested_by: requester,
    payload: { node_id: node, ...(cls === undefined ? {} : { class: cls }) },
  };
  try {
    const reply = await withBus(deps, (bus) =>
      request(bus.nc, FixedSubject.approvalsRequest, body, {
        schema: ApprovalRequestReplySchema,
        timeoutMs: 10_000,
      }),
    );
    return {
      exitCode: reply.status === 'denied' ? ExitCode.NEGATIVE : ExitCode.OK,
      json: { ok: reply.status !== 'denied', ...reply, node_id: node, class: cls ?? null },
      text:
        reply.status === 'pending'
          ? `replay of ${node}'s DLQ awaits approval: pending ${reply.pending_id}`
          : `replay of ${node}'s DLQ ${reply.status} (pending ${reply.pending_id})`,
    };
  } catch (err) {
    return failure(err, 'sync dlq replay request failed');
  }
}

/** `fedplane sync dlq list` over `deps`. */
export function createSyncDlqListCommand(deps: SyncDlqDeps): Command {
  return {
    path: ['sync', 'dlq', 'list'],
    synopsis: '[--node N]',
    summary: 'List the sync DLQ entries (records a node could not apply) with class and detail.',
    details: `Reads stream FED_SYNC_DLQ over NATS_URL (else the plane .fedplane/plane.json describes).
  --node N   only node N's entries (fed.sync.dlq.<N>)
Text: "seq failed_at node class origin record_id detail". --json: {"ok","count","entries":[…]}.
Exit 0; 1 when the bus cannot be reached; 2 usage.`,
    options: { node: { type: 'string' } },
    run: (args) => list(deps, args),
  };
}

/** `fedplane sync dlq replay` over `deps`. */
export function createSyncDlqReplayCommand(deps: SyncDlqDeps): Command {
  return {
    path: ['sync', 'dlq', 'replay'],
    synopsis: '--node N [--class C] [--agent-id A]',
    summary: "Ask approval to replay a node's sync DLQ; once approved its gateway re-applies it.",
    details: `Sends fed.approvals.request {action_type: "sync_dlq_replay", namespace: "sync/<N>",
payload: {node_id, class?}} as --agent-id (else FEDPLANE_AGENT_ID). Once approved, node N's
gateway re-verifies and re-applies the entries (with the live trust bundle, posture and scopes),
removes those that applied and emits sync.dlq_replayed. Watch: fedplane events tail --type
sync.dlq_replayed.
  --class C  only entries of class C (invalid, unauthenticated, out_of_scope, forward_refused)
Exit 0 when pending or approved; 1 when denied or the bus cannot be reached; 2 usage.`,
    options: {
      node: { type: 'string' },
      class: { type: 'string' },
      'agent-id': { type: 'string' },
    },
    run: (args) => replay(deps, args),
  };
}

const processDeps: SyncDlqDeps = { env: () => process.env, cwd: () => process.cwd() };

/** `fedplane sync dlq list` on the real process. */
export const syncDlqListCommand: Command = createSyncDlqListCommand(processDeps);
/** `fedplane sync dlq replay` on the real process. */
export const syncDlqReplayCommand: Command = createSyncDlqReplayCommand(processDeps);
