import {
  PendingActionViewSchema,
  PendingListReplySchema,
  type PendingActionView,
} from '@fedplane/core';
import { optionalInteger, optionalString, requirePositionals, type ParsedArgs } from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import {
  CONNECTION_OPTIONS,
  apiKeyHeaders,
  callApi,
  connection,
  type ApprovalsCliDeps,
  type HttpOutcome,
} from './approvals-client.js';

/**
 * `fedplane approvals list` (GET /api/v1/pending, following `next_cursor` with `--all`) and
 * `fedplane approvals show <id>` (GET /api/v1/pending/:id), with the API key. Exit 0 on success;
 * 1 when the service refused or could not be reached; 2 on usage errors.
 */

const STATUSES = new Set(['pending', 'approved', 'denied', 'expired']);

function failure(outcome: Extract<HttpOutcome, { ok: false }>): CommandResult {
  return {
    exitCode: ExitCode.NEGATIVE,
    json: { ok: false, status: outcome.status, error: outcome.body },
    text: `approvals: ${outcome.message}`,
  };
}

function line(p: PendingActionView): string {
  return [p.id, p.status, p.action_type, p.namespace, p.requested_by, p.requested_at].join('  ');
}

function timeoutOf(args: ParsedArgs): number | undefined {
  return optionalInteger(args, 'timeout');
}

async function list(deps: ApprovalsCliDeps, args: ParsedArgs): Promise<CommandResult> {
  const conn = connection(args, deps.env());
  const status = optionalString(args, 'status');
  if (status !== undefined && !STATUSES.has(status)) {
    throw new UsageError('--status must be pending, approved, denied or expired');
  }
  const limit = optionalInteger(args, 'limit') ?? 50;
  if (limit < 1 || limit > 500) throw new UsageError('--limit must be 1..500');
  const namespace = optionalString(args, 'namespace');
  const all = args.values['all'] === true;
  const items: PendingActionView[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ limit: String(limit) });
    if (status !== undefined) q.set('status', status);
    if (namespace !== undefined) q.set('namespace', namespace);
    if (cursor !== null) q.set('cursor', cursor);
    const timeoutMs = timeoutOf(args);
    const outcome = await callApi(deps, {
      url: `${conn.url}/api/v1/pending?${q.toString()}`,
      method: 'GET',
      headers: apiKeyHeaders(conn),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    if (!outcome.ok) return failure(outcome);
    const page = PendingListReplySchema.safeParse(outcome.body);
    if (!page.success) {
      return {
        exitCode: ExitCode.NEGATIVE,
        json: { ok: false },
        text: 'approvals: unexpected reply',
      };
    }
    items.push(...page.data.items);
    cursor = all ? page.data.next_cursor : null;
  } while (cursor !== null);
  return {
    exitCode: ExitCode.OK,
    json: { ok: true, items },
    text: items.length === 0 ? 'no pending actions match' : items.map(line).join('\n'),
  };
}

async function show(deps: ApprovalsCliDeps, args: ParsedArgs): Promise<CommandResult> {
  const conn = connection(args, deps.env());
  const [id = ''] = requirePositionals(args, ['id']);
  const timeoutMs = timeoutOf(args);
  const outcome = await callApi(deps, {
    url: `${conn.url}/api/v1/pending/${encodeURIComponent(id)}`,
    method: 'GET',
    headers: apiKeyHeaders(conn),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  if (!outcome.ok) return failure(outcome);
  const view = PendingActionViewSchema.safeParse(outcome.body);
  if (!view.success) {
    return {
      exitCode: ExitCode.NEGATIVE,
      json: { ok: false },
      text: 'approvals: unexpected reply',
    };
  }
  const p = view.data;
  const text = [
    `id            ${p.id}`,
    `status        ${p.status}`,
    `action        ${p.action_type}`,
    `namespace     ${p.namespace}`,
    `requested by  ${p.requested_by} at ${p.requested_at}`,
    `approvers     ${JSON.stringify(p.approvers)} (votes: ${String(p.approvals.length)})`,
    `decided       ${p.decided_by ?? '-'} ${p.decided_at ?? ''}`.trimEnd(),
    `expires       ${p.expires_at}`,
    `payload       ${JSON.stringify(p.payload)}`,
  ].join('\n');
  return { exitCode: ExitCode.OK, json: p, text };
}

const CONNECTION_HELP = `Connects to APPROVALS_URL (default http://127.0.0.1:8090; --url) with the API key
APPROVALS_API_KEY (--api-key) as x-api-key.`;

/** `approvals list` over `deps`. */
export function createApprovalsListCommand(deps: ApprovalsCliDeps): Command {
  return {
    path: ['approvals', 'list'],
    synopsis: '[--status S] [--namespace NS] [--limit N] [--all]',
    summary: 'List pending actions of the approvals service.',
    details: `GET /api/v1/pending, oldest first. --all follows the keyset cursor to the end.
${CONNECTION_HELP} --json: {"ok":true,"items":[...]}.`,
    options: {
      ...CONNECTION_OPTIONS,
      status: { type: 'string' },
      namespace: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean', default: false },
    },
    run: (args: ParsedArgs, _io: CliIo) => list(deps, args),
  };
}

/** `approvals show` over `deps`. */
export function createApprovalsShowCommand(deps: ApprovalsCliDeps): Command {
  return {
    path: ['approvals', 'show'],
    synopsis: '<id>',
    summary: 'Show one pending action.',
    details: `GET /api/v1/pending/<id>. ${CONNECTION_HELP} --json: the pending action.`,
    options: { ...CONNECTION_OPTIONS },
    run: (args: ParsedArgs, _io: CliIo) => show(deps, args),
  };
}

/** `fedplane approvals list` on the process environment. */
export const approvalsList: Command = createApprovalsListCommand({ env: () => process.env });
/** `fedplane approvals show` on the process environment. */
export const approvalsShow: Command = createApprovalsShowCommand({ env: () => process.env });
