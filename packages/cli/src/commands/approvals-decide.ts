import { RememberSchema, signApproval, type Decision } from '@fedplane/core';
import { optionalInteger, optionalString, requirePositionals, type ParsedArgs } from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import {
  CONNECTION_OPTIONS,
  agentId,
  callApi,
  connection,
  type ApprovalsCliDeps,
} from './approvals-client.js';

/**
 * `fedplane approvals approve|deny <id> [--remember once|session|forever]`: POST
 * /api/v1/approvals/:id signed with the reference HMAC (core `signApproval`: key SHA-256(secret),
 * message `<ts>.POST.<id>.<body>`) from `APPROVALS_HMAC_SECRET` (or `--secret-file`), as
 * `FEDPLANE_AGENT_ID` (`--agent-id`). Exit 0 when the service accepted the decision (or recorded
 * a quorum vote); 1 when it refused (401/403/404/409) or could not be reached; 2 on usage errors.
 */

function secretOf(
  args: ParsedArgs,
  io: CliIo,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const file = optionalString(args, 'secret-file');
  if (file !== undefined) {
    try {
      return io.readText(file).replace(/\r?\n$/, '');
    } catch {
      throw new UsageError(`cannot read secret file ${JSON.stringify(file)}`);
    }
  }
  const secret = env['APPROVALS_HMAC_SECRET'];
  if (secret === undefined || secret === '') {
    throw new UsageError('APPROVALS_HMAC_SECRET (or --secret-file) is required');
  }
  return secret;
}

async function decideCommand(
  deps: ApprovalsCliDeps,
  input: { readonly decision: Decision; readonly args: ParsedArgs; readonly io: CliIo },
): Promise<CommandResult> {
  const { args, io, decision } = input;
  const env = deps.env();
  const conn = connection(args, env);
  const [id = ''] = requirePositionals(args, ['id']);
  const remember = RememberSchema.safeParse(optionalString(args, 'remember') ?? 'once');
  if (!remember.success) throw new UsageError('--remember must be once, session or forever');
  const decider = agentId(args, env);
  const secret = secretOf(args, io, env);
  const body = JSON.stringify({ decision, remember: remember.data });
  const timestamp = String(io.nowS());
  const timeoutMs = optionalInteger(args, 'timeout');
  const outcome = await callApi(deps, {
    url: `${conn.url}/api/v1/approvals/${encodeURIComponent(id)}`,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-ai-memory-signature': signApproval({ secret, timestamp, pendingId: id, body }),
      'x-ai-memory-timestamp': timestamp,
      'x-agent-id': decider,
    },
    body,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  if (!outcome.ok) {
    return {
      exitCode: ExitCode.NEGATIVE,
      json: { ok: false, status: outcome.status, error: outcome.body },
      text: `approvals: ${outcome.message}`,
    };
  }
  const reply = outcome.body as Record<string, unknown>;
  const text =
    reply['approved'] === true
      ? `approved ${id} as ${decider} (remember ${remember.data})`
      : reply['rejected'] === true
        ? `denied ${id} as ${decider} (remember ${remember.data})`
        : `vote recorded on ${id}: ${String(reply['votes'])}/${String(reply['quorum'])}`;
  return { exitCode: ExitCode.OK, json: reply, text };
}

function create(deps: ApprovalsCliDeps, decision: Decision): Command {
  const verb = decision === 'approve' ? 'approve' : 'deny';
  return {
    path: ['approvals', verb],
    synopsis: '<id> [--remember once|session|forever] [--agent-id A] [--secret-file F]',
    summary: `${decision === 'approve' ? 'Approve' : 'Deny'} a pending action (HMAC-signed).`,
    details: `POST /api/v1/approvals/<id> with {"decision":"${decision}","remember":…}, signed with
X-AI-Memory-Signature over "<now>.POST.<id>.<body>" using APPROVALS_HMAC_SECRET (or
--secret-file), X-Agent-Id from FEDPLANE_AGENT_ID (or --agent-id). APPROVALS_URL / --url as for
list. remember=session|forever also decides later matching requests. --json: the service reply.`,
    options: {
      ...CONNECTION_OPTIONS,
      remember: { type: 'string' },
      'agent-id': { type: 'string' },
      'secret-file': { type: 'string' },
    },
    run: (args, io) => decideCommand(deps, { decision, args, io }),
  };
}

/** `approvals approve` over `deps`. */
export function createApprovalsApproveCommand(deps: ApprovalsCliDeps): Command {
  return create(deps, 'approve');
}

/** `approvals deny` over `deps`. */
export function createApprovalsDenyCommand(deps: ApprovalsCliDeps): Command {
  return create(deps, 'deny');
}

/** `fedplane approvals approve` on the process environment. */
export const approvalsApprove: Command = createApprovalsApproveCommand({ env: () => process.env });
/** `fedplane approvals deny` on the process environment. */
export const approvalsDeny: Command = createApprovalsDenyCommand({ env: () => process.env });
