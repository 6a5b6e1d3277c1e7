import { signApproval } from '@fedplane/core';
import { optionalString, readUserFile, requireString, type ParsedArgs } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';

function signCommand(args: ParsedArgs, io: CliIo) {
  const secret = requireString(args, 'secret');
  const pendingId = requireString(args, 'id');
  const timestamp = optionalString(args, 'timestamp') ?? String(io.nowS());
  if (!/^\d{1,12}$/.test(timestamp)) throw new UsageError('--timestamp must be Unix seconds');
  const inline = optionalString(args, 'body');
  const file = optionalString(args, 'body-file');
  if ((inline === undefined) === (file === undefined)) {
    throw new UsageError('give exactly one of --body JSON or --body-file FILE');
  }
  // The HMAC covers the exact bytes sent: a file is signed byte for byte, never re-encoded.
  const body = inline ?? readUserFile(io, file ?? '', 'body file');
  const signature = signApproval({ secret, timestamp, pendingId, body });
  return {
    exitCode: ExitCode.OK,
    json: { signature, timestamp, id: pendingId },
    text: signature,
  };
}

export const approvalsSign: Command = {
  path: ['approvals', 'sign'],
  synopsis: '--secret S --id ID (--body JSON | --body-file F) [--timestamp T]',
  summary: 'Sign an approval decision (X-AI-Memory-Signature) for use with curl.',
  details: `Prints sha256=<hex>: HMAC-SHA256 keyed by SHA-256(secret) over
"<timestamp>.POST.<id>.<body>" — the approvals HTTP API's scheme. Send it as
X-AI-Memory-Signature with X-AI-Memory-Timestamp set to the same timestamp (default: now)
and the body bytes exactly as signed. --json gives {signature, timestamp, id}.`,
  options: {
    secret: { type: 'string' },
    id: { type: 'string' },
    timestamp: { type: 'string' },
    body: { type: 'string' },
    'body-file': { type: 'string' },
  },
  run: signCommand,
};
