import { sha256Hex, utf8, validateInventoryAll, type InventoryKvValue } from '@fedplane/core';
import {
  BucketName,
  KvKey,
  SILENT_LOG,
  connectBus,
  ensureKv,
  fedBuckets,
} from '@fedplane/messaging';
import { readUserFile, requirePositionals, type ParsedArgs } from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { processIssuerDeps, type IssuerCommandDeps } from './issuer-client.js';
import { natsAuth, natsServers } from '../nats-connection.js';

/**
 * `fedplane inventory apply FILE` (reconciler.md): validate the inventory exactly as `inventory
 * validate` does, and only when it is valid store `{yaml, sha256}` in KV `fed-inventory` /
 * `desired`, where the running reconciler picks it up without a restart. An invalid file stores
 * nothing.
 */

/** Connects, ensures the bucket, writes the value; the revision written. Throws on NATS errors. */
async function store(deps: IssuerCommandDeps, value: InventoryKvValue): Promise<number> {
  const bus = await connectBus({
    servers: natsServers(deps.env()),
    auth: natsAuth(deps.env()),
    name: 'fedplane-cli',
    log: SILENT_LOG,
  });
  try {
    await ensureKv(
      bus.jsm,
      fedBuckets().filter((b) => b.bucket === BucketName.inventory),
    );
    const kv = await bus.kvm.open(BucketName.inventory);
    return await kv.put(KvKey.desired, JSON.stringify(value));
  } finally {
    await bus.close();
  }
}

async function apply(deps: IssuerCommandDeps, args: ParsedArgs, io: CliIo): Promise<CommandResult> {
  const [file = ''] = requirePositionals(args, ['FILE']);
  const yaml = readUserFile(io, file, 'inventory file');
  const checked = validateInventoryAll(yaml);
  if (!checked.ok) {
    const first = checked.errors[0];
    return {
      exitCode: ExitCode.NEGATIVE,
      json: {
        ok: false,
        error: first?.tag ?? 'inventory_invalid',
        message: first?.message ?? 'invalid inventory',
        violations: checked.errors.map((e) => ({ error: e.tag, message: e.message })),
      },
      text: [
        `${file}: ${checked.errors.length} violation(s); nothing stored`,
        ...checked.errors.map((e) => `  ${e.tag}: ${e.message}`),
      ].join('\n'),
    };
  }
  const sha256 = sha256Hex(utf8(yaml));
  let revision: number;
  try {
    revision = await store(deps, { yaml, sha256 });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      exitCode: ExitCode.NEGATIVE,
      json: { ok: false, error: 'UNAVAILABLE', message },
      text: `inventory apply failed: UNAVAILABLE: ${message}`,
    };
  }
  const nodes = checked.value.nodes.length;
  return {
    exitCode: ExitCode.OK,
    json: { ok: true, nodes, require_sig: checked.value.requireSig, sha256, revision },
    text: `${file}: stored in ${BucketName.inventory} (revision ${revision}, sha256 ${sha256}, ${nodes} node(s))`,
  };
}

/** `fedplane inventory apply` over `deps`. */
export function createInventoryApplyCommand(deps: IssuerCommandDeps): Command {
  return {
    path: ['inventory', 'apply'],
    synopsis: 'FILE',
    summary: 'Validate an inventory and store it for the reconciler (KV fed-inventory).',
    details: `Validates FILE as \`inventory validate\` does; when valid, stores {"yaml", "sha256"} in
KV fed-inventory / desired over NATS_URL (the running reconciler applies it without a restart).
An invalid file prints every violation, stores nothing and exits 1. --json: {"ok": true,
"nodes", "require_sig", "sha256", "revision"} or {"ok": false, "error", "message",
"violations"?}.`,
    options: {},
    run: (args, io) => apply(deps, args, io),
  };
}

/** `fedplane inventory apply` against the process environment. */
export const inventoryApplyCommand = createInventoryApplyCommand(processIssuerDeps);
