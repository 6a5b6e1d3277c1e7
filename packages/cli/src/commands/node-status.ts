import {
  AgentStatusReplySchema,
  BundleReplySchema,
  NodeStatusSchema,
  checkAgentId,
  fromUtf8,
  parseJsonText,
  parseTrustBundle,
  toVerifierBundle,
  type NodeStatus,
  type VerifierBundle,
} from '@fedplane/core';
import {
  BucketName,
  FixedSubject,
  KvKey,
  StreamName,
  SubjectFilter,
  agentStatusSubject,
  kvStreamName,
  nodeStatusSubject,
  parseNodeStatusSubject,
  request,
  verifySignedMessage,
  type MessageAttestation,
} from '@fedplane/messaging';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { optionalInteger, type ParsedArgs } from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import { natsConnectOptions } from '../nats-connection.js';

/**
 * `fedplane node status [<node-id>] [--live] [--timeout MS] [--json]` (issue 4): the latest
 * signed status each renewal-agent published on `fed.status.node.<node>` (stream `FED_STATUS`),
 * with its signature verified against the trust bundle (KV `fed-trust`, else
 * `fed.issuer.bundle`). Without a node id: every node. `--live` asks the node's agent
 * (`fed.agent.<node>.status`) instead. Exit 0 when every status shown verifies and its
 * credential is valid now; 1 otherwise (missing, unsigned, expired, bus unreachable); 2 usage.
 */

/** The environment the command reads (`NATS_URL`). */
export type NodeStatusEnv = Readonly<Record<string, string | undefined>>;

/** What the command needs from the process besides `CliIo`. */
export type NodeStatusDeps = { readonly env: () => NodeStatusEnv };

const DEFAULT_TIMEOUT_MS = 5_000;

/** One node's row. */
export type NodeStatusRow = {
  readonly node_id: string;
  readonly status: NodeStatus | null;
  /** `credential_signed`, `invalid_signature:<reason>`, `unsigned`, `unverified` (no bundle), `live` (asked the agent). */
  readonly signature: string;
  /** The credential is inside its window now. */
  readonly valid_now: boolean;
  /** Seconds until `not_after` (negative once expired). */
  readonly remaining_s: number | null;
  /** When the stream stored it (RFC 3339), for published statuses. */
  readonly published_at: string | null;
  readonly problem?: string;
};

function describeAttestation(attestation: MessageAttestation): string {
  return attestation.attest_level === 'invalid_signature'
    ? `invalid_signature:${attestation.reason}`
    : attestation.attest_level;
}

async function trustBundle(
  nc: NatsConnection,
  jsm: JetStreamManager,
  timeoutMs: number,
): Promise<VerifierBundle | undefined> {
  const stored = await jsm.streams
    .getMessage(kvStreamName(BucketName.trust), {
      last_by_subj: `$KV.${BucketName.trust}.${KvKey.bundle}`,
    })
    .catch(() => null);
  const text = stored === null ? undefined : fromUtf8(stored.data);
  const json = text === undefined ? undefined : parseJsonText(text);
  if (json?.ok === true) {
    const parsed = parseTrustBundle(json.value);
    if (parsed.ok) return toVerifierBundle(parsed.value);
  }
  const reply = await request(
    nc,
    FixedSubject.issuerBundle,
    {},
    {
      schema: BundleReplySchema,
      timeoutMs,
    },
  ).catch(() => undefined);
  return reply === undefined ? undefined : toVerifierBundle(reply);
}

function row(
  nodeId: string,
  status: NodeStatus | null,
  signature: string,
  extra: { nowS: number; publishedAt: string | null; problem?: string },
): NodeStatusRow {
  const validNow =
    status !== null && status.not_before <= extra.nowS && extra.nowS <= status.not_after;
  const signed = signature === 'credential_signed' || signature === 'live';
  return {
    node_id: nodeId,
    status,
    signature,
    valid_now: validNow && signed,
    remaining_s: status === null ? null : status.not_after - extra.nowS,
    published_at: extra.publishedAt,
    ...(extra.problem === undefined ? {} : { problem: extra.problem }),
  };
}

async function publishedRow(
  jsm: JetStreamManager,
  nodeId: string,
  bundle: VerifierBundle | undefined,
  nowS: number,
): Promise<NodeStatusRow> {
  const stored = await jsm.streams
    .getMessage(StreamName.status, { last_by_subj: nodeStatusSubject(nodeId) })
    .catch(() => null);
  if (stored === null) {
    return row(nodeId, null, 'missing', {
      nowS,
      publishedAt: null,
      problem: 'no status published',
    });
  }
  const publishedAt = stored.time.toISOString();
  const text = fromUtf8(stored.data);
  const json = text === undefined ? undefined : parseJsonText(text);
  const parsed = json?.ok === true ? NodeStatusSchema.safeParse(json.value) : undefined;
  if (parsed?.success !== true) {
    return row(nodeId, null, 'malformed', {
      nowS,
      publishedAt,
      problem: 'status body does not parse',
    });
  }
  const signature =
    bundle === undefined
      ? 'unverified'
      : describeAttestation(
          verifySignedMessage({
            headers: stored.header,
            body: stored.data,
            bundle,
            nowS,
            actor: nodeId,
          }),
        );
  return row(nodeId, parsed.data, signature, { nowS, publishedAt });
}

async function nodeIds(jsm: JetStreamManager): Promise<string[]> {
  const info = await jsm.streams.info(StreamName.status, {
    subjects_filter: SubjectFilter.nodeStatus,
  });
  const ids: string[] = [];
  for (const subject of Object.keys(info.state.subjects ?? {})) {
    const parsed = parseNodeStatusSubject(subject);
    if (parsed.ok) ids.push(parsed.value);
  }
  return ids.sort();
}

function formatRemaining(seconds: number): string {
  if (seconds < 0) return `expired ${formatRemaining(-seconds)} ago`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

/** One text line per row. */
export function nodeStatusLine(r: NodeStatusRow): string {
  if (r.status === null) return `${r.node_id}  ${r.signature}  ${r.problem ?? ''}`.trimEnd();
  const s = r.status;
  return [
    r.node_id,
    r.valid_now ? 'can-sign' : 'CANNOT-SIGN',
    `not_after ${new Date(s.not_after * 1000).toISOString()} (${formatRemaining(r.remaining_s ?? 0)})`,
    `issuer ${s.issuer_id}`,
    `cred ${s.credential_id.slice(0, 12)}`,
    r.signature,
    `agent ${s.agent_version}`,
    `renewed ${s.last_renewal_at ?? 'never'}`,
    ...(s.last_error === undefined ? [] : [`last_error ${JSON.stringify(s.last_error)}`]),
  ].join('  ');
}

async function run(deps: NodeStatusDeps, args: ParsedArgs, io: CliIo): Promise<CommandResult> {
  if (args.positionals.length > 1) throw new UsageError('expected at most one <node-id>');
  const nodeId = args.positionals[0];
  if (nodeId !== undefined) {
    const checked = checkAgentId(nodeId);
    if (!checked.ok) throw new UsageError(`invalid node id: ${checked.reason}`);
  }
  const live = args.values['live'] === true;
  if (live && nodeId === undefined) throw new UsageError('--live needs a <node-id>');
  const timeoutMs = optionalInteger(args, 'timeout') ?? DEFAULT_TIMEOUT_MS;
  if (timeoutMs < 100 || timeoutMs > 120_000)
    throw new UsageError('--timeout must be 100..120000 ms');
  const nowS = io.nowS();
  let nc: NatsConnection | undefined;
  let rows: NodeStatusRow[];
  try {
    nc = await connect({
      ...natsConnectOptions(deps.env()),
      name: 'fedplane-cli',
      timeout: timeoutMs,
    });
    if (live && nodeId !== undefined) {
      const reply = await request(
        nc,
        agentStatusSubject(nodeId),
        {},
        {
          schema: AgentStatusReplySchema,
          timeoutMs,
        },
      );
      rows = [row(nodeId, reply, 'live', { nowS, publishedAt: null })];
    } else {
      const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
      const bundle = await trustBundle(nc, jsm, timeoutMs);
      const ids = nodeId === undefined ? await nodeIds(jsm) : [nodeId];
      rows = [];
      for (const id of ids) rows.push(await publishedRow(jsm, id, bundle, nowS));
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      exitCode: ExitCode.NEGATIVE,
      json: { ok: false, error: 'UNAVAILABLE', message },
      text: `node status unavailable: ${message}`,
    };
  } finally {
    await nc?.close().catch(() => undefined);
  }
  const ok = rows.every((r) => r.valid_now);
  const text =
    rows.length === 0 ? 'no node has published a status' : rows.map(nodeStatusLine).join('\n');
  return { exitCode: ok ? ExitCode.OK : ExitCode.NEGATIVE, json: { ok, nodes: rows }, text };
}

/** The command, reading the environment through `deps`. */
export function createNodeStatusCommand(deps: NodeStatusDeps): Command {
  return {
    path: ['node', 'status'],
    synopsis: '[<node-id>] [--live] [--timeout MS]',
    summary: 'Show the signed status of one node, or of every node.',
    details: `Reads the latest status each renewal-agent published on fed.status.node.<node>
(stream FED_STATUS, NATS_URL) and verifies its signature against the trust bundle (KV fed-trust,
else fed.issuer.bundle). Without <node-id>, every node. --live asks the node's agent
(fed.agent.<node>.status) instead of the stream. Exit 0 when every status shown is signed and its
credential is valid now; 1 otherwise (missing, not verified, expired, bus unreachable).
--json: {"ok":bool,"nodes":[{node_id,status,signature,valid_now,remaining_s,published_at}]}.`,
    options: { live: { type: 'boolean', default: false }, timeout: { type: 'string' } },
    run: (args, io) => run(deps, args, io),
  };
}

/** `fedplane node status` on the real process environment. */
export const nodeStatus: Command = createNodeStatusCommand({ env: () => process.env });
