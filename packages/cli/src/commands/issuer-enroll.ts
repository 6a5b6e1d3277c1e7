import { EnrollReplySchema, RevokeReplySchema, isAgentId, parseDuration } from '@fedplane/core';
import { FixedSubject } from '@fedplane/messaging';
import { optionalString, requirePositionals, requireString, type ParsedArgs } from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import { enrollFromFile } from './enroll-bulk.js';
import {
  callIssuer,
  failedCall,
  processIssuerDeps,
  type IssuerCommandDeps,
} from './issuer-client.js';

/** `fedplane enroll` and `fedplane revoke`: the node lifecycle admin requests. */

function nodeIdArg(args: ParsedArgs): string {
  const [nodeId = ''] = requirePositionals(args, ['node-id']);
  if (!isAgentId(nodeId)) throw new UsageError(`not a valid node id: ${JSON.stringify(nodeId)}`);
  return nodeId;
}

/** `--ttl`: whole seconds (`3600`) or a duration (`1h`, `30m`). */
function ttlArg(args: ParsedArgs): number | undefined {
  const text = optionalString(args, 'ttl');
  if (text === undefined) return undefined;
  if (/^\d{1,10}$/.test(text) && Number(text) > 0) return Number(text);
  const parsed = parseDuration(text);
  if (!parsed.ok)
    throw new UsageError(
      `--ttl must be seconds or a duration like 1h, got ${JSON.stringify(text)}`,
    );
  return parsed.seconds;
}

async function enroll(
  deps: IssuerCommandDeps,
  args: ParsedArgs,
  io: CliIo,
): Promise<CommandResult> {
  const file = optionalString(args, 'file');
  const region = optionalString(args, 'region');
  const ttl = ttlArg(args);
  if (file !== undefined) {
    if (args.positionals.length > 0) throw new UsageError('give <node-id> or --file, not both');
    return enrollFromFile(deps, io, {
      file,
      ...(region === undefined ? {} : { region }),
      ...(ttl === undefined ? {} : { ttl }),
    });
  }
  const nodeId = nodeIdArg(args);
  const out = await callIssuer(
    deps,
    FixedSubject.issuerEnroll,
    {
      node_id: nodeId,
      ...(region === undefined ? {} : { region }),
      ...(ttl === undefined ? {} : { ttl_s: ttl }),
    },
    EnrollReplySchema,
  );
  if (!out.ok) return failedCall('enroll', out);
  return {
    exitCode: ExitCode.OK,
    json: {
      ok: true,
      node_id: nodeId,
      join_token: out.value.join_token,
      expires_at: out.value.expires_at,
    },
    text: [
      `enrolled ${nodeId}${region === undefined ? '' : ` (region ${region})`}`,
      `join token (shown once; pass it to the node as FED_JOIN_TOKEN): ${out.value.join_token}`,
      `expires at ${out.value.expires_at}`,
    ].join('\n'),
  };
}

async function revoke(deps: IssuerCommandDeps, args: ParsedArgs): Promise<CommandResult> {
  const nodeId = nodeIdArg(args);
  const reason = requireString(args, 'reason');
  const out = await callIssuer(
    deps,
    FixedSubject.issuerRevoke,
    { node_id: nodeId, reason },
    RevokeReplySchema,
  );
  if (!out.ok) return failedCall('revoke', out);
  const dies =
    out.value.last_not_after === null
      ? 'it holds no credential'
      : `its credential dies at ${new Date(out.value.last_not_after * 1000).toISOString()}`;
  return {
    exitCode: ExitCode.OK,
    json: { ok: true, ...out.value },
    text: `revoked ${nodeId}: no further issuance; ${dies}`,
  };
}

/** `fedplane enroll` over `deps`. */
export function createEnrollCommand(deps: IssuerCommandDeps): Command {
  return {
    path: ['enroll'],
    synopsis: '(<node-id> | --file FILE) [--region R] [--ttl S]',
    summary: 'Register (or re-enable) a node and print its one-time join token.',
    details: `Asks the issuer (fed.issuer.enroll over NATS_URL) to register the node and mint a
single-use join token (valid 1 h by default). The token is printed once and stored by the issuer
only as a hash: hand it to the node (FED_JOIN_TOKEN). --region puts the node in a region (its
leaves are signed by the region intermediate when one exists and the id is under region/<R>/);
--ttl sets its credential lifetime in seconds or as a duration (1h, 30m). Enrolling again
replaces unused tokens; enrolling a revoked node re-enables it.
--file FILE enrolls every node id the file lists (one per line; blank lines and # comments
skipped) over one connection, with progress on stderr; --region/--ttl apply to each. Exit 1 when
any enrollment failed (every node is still tried).
--json: {"ok","node_id","join_token","expires_at"}; with --file {"ok","enrolled":[...],"failed":[...]}.`,
    options: { region: { type: 'string' }, ttl: { type: 'string' }, file: { type: 'string' } },
    run: (args, io) => enroll(deps, args, io),
  };
}

/** `fedplane revoke` over `deps`. */
export function createRevokeCommand(deps: IssuerCommandDeps): Command {
  return {
    path: ['revoke'],
    synopsis: '<node-id> --reason R',
    summary: 'Deny all further issuance to a node (its credential dies at its not_after).',
    details: `Asks the issuer (fed.issuer.revoke over NATS_URL) to mark the node revoked: no attest
or renewal succeeds afterwards, and its current credential expires at its not_after (revocation
by expiry, as in the reference). Revoking again is a no-op; an unknown node exits 1 (NOT_FOUND).`,
    options: { reason: { type: 'string' } },
    run: (args) => revoke(deps, args),
  };
}

/** `fedplane enroll` on the real process. */
export const enrollCommand: Command = createEnrollCommand(processIssuerDeps);
/** `fedplane revoke` on the real process. */
export const revokeCommand: Command = createRevokeCommand(processIssuerDeps);
