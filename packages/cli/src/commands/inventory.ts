import { validateInventoryAll, type InventoryError } from '@fedplane/core';
import { readUserFile, requirePositionals, type ParsedArgs } from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';

function violationJson(error: InventoryError): Record<string, string> {
  const out: Record<string, string> = { error: error.tag };
  if (error.node !== undefined) out['node'] = error.node;
  if (error.field !== undefined) out['field'] = error.field;
  if (error.value !== undefined) out['value'] = error.value;
  out['message'] = error.message;
  return out;
}

function validate(args: ParsedArgs, io: CliIo): CommandResult {
  const [file = ''] = requirePositionals(args, ['FILE']);
  const checked = validateInventoryAll(readUserFile(io, file, 'inventory file'));
  if (!checked.ok) {
    const violations = checked.errors.map(violationJson);
    return {
      exitCode: ExitCode.NEGATIVE,
      // The first violation at top level (the reference's single error), then all of them.
      json: { ok: false, ...violations[0], violations },
      text: [
        `${file}: ${violations.length} violation(s)`,
        ...checked.errors.map((e) => `  ${e.tag}: ${e.message}`),
      ].join('\n'),
    };
  }
  const inv = checked.value;
  return {
    exitCode: ExitCode.OK,
    json: { ok: true, nodes: inv.nodes.length, require_sig: inv.requireSig },
    text: `${file}: valid — ${inv.nodes.length} node(s), require_sig ${inv.requireSig === null ? 'unchanged (no enforcement block)' : String(inv.requireSig)}`,
  };
}

export const inventoryValidate: Command = {
  path: ['inventory', 'validate'],
  synopsis: 'FILE',
  summary: 'Validate an inventory YAML file and print every violation.',
  details: `Strict schema (unknown keys are errors), then the reference rules in order: blank
trust_domain, quorum.width < 1, blank region name, invalid node id, bad cred_ttl/renew_before,
renew_before >= cred_ttl, duplicate node id. --json prints {"ok": true, "nodes": N,
"require_sig": true|false|null} or {"ok": false, "error": "<tag>", "node"?, "field"?, "value"?,
"violations": [...]} (the first violation at top level).`,
  options: {},
  run: validate,
};
