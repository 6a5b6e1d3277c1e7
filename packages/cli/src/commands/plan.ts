import {
  desiredFromInventory,
  parseInventory,
  parseJsonText,
  reconcile,
  type ObservedState,
  type ReconcilePlan,
} from '@fedplane/core';
import { z } from 'zod';
import {
  optionalInteger,
  optionalNumber,
  readUserFile,
  requireString,
  type ParsedArgs,
} from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import { runPlanLive } from './plan-live.js';

const ObservedFileSchema = z.strictObject({
  nodes: z
    .array(
      z.strictObject({
        id: z.string().min(1),
        present: z.boolean(),
        can_sign: z.boolean(),
        evidence: z
          .strictObject({
            credential_id: z.string(),
            not_after: z.number().int(),
            status_at: z.string().max(64),
          })
          .optional(),
      }),
    )
    .max(1_000_000),
  strict_enforced: z.boolean(),
});

function loadObserved(io: CliIo, path: string): ObservedState {
  const text = readUserFile(io, path, 'observed file');
  const json = parseJsonText(text);
  if (!json.ok) throw new UsageError(`observed file ${JSON.stringify(path)} is not JSON`);
  const parsed = ObservedFileSchema.safeParse(json.value);
  if (!parsed.success) {
    throw new UsageError(`observed file ${JSON.stringify(path)}: ${z.prettifyError(parsed.error)}`);
  }
  return {
    strictEnforced: parsed.data.strict_enforced,
    nodes: parsed.data.nodes.map((n) => ({
      id: n.id,
      present: n.present,
      canSign: n.can_sign,
      ...(n.evidence === undefined
        ? {}
        : {
            evidence: {
              credentialId: n.evidence.credential_id,
              notAfter: n.evidence.not_after,
              statusAt: n.evidence.status_at,
            },
          }),
    })),
  };
}

/** The plan as JSON: `{actions: [{kind, id?, evidence?}], guards: [{kind, reason, ...}]}`. */
export function planJson(plan: ReconcilePlan): { actions: unknown[]; guards: unknown[] } {
  return {
    actions: plan.actions.map((a) => ({ ...a })),
    guards: plan.guards.map((g) => ({ ...g })),
  };
}

function planText(plan: ReconcilePlan): string {
  const lines = plan.actions.map((a) => `  ${a.kind}${'id' in a ? ` ${a.id}` : ''}`);
  const guards = plan.guards.map((g) => `  guard ${g.kind}: ${g.reason}`);
  if (lines.length === 0 && guards.length === 0) return 'converged: nothing to do';
  return [lines.length === 0 ? 'no actions' : 'actions:', ...lines, ...guards].join('\n');
}

function runPlan(args: ParsedArgs, io: CliIo): CommandResult | Promise<CommandResult> {
  if (args.values['live'] === true) {
    if (args.values['observed'] !== undefined)
      throw new UsageError('--live reads the fleet: no --observed');
    return runPlanLive(args, io);
  }
  const inventoryPath = requireString(args, 'inventory');
  const inventory = parseInventory(readUserFile(io, inventoryPath, 'inventory file'));
  if (!inventory.ok) {
    const { tag, message, ...details } = inventory.error;
    return {
      exitCode: ExitCode.NEGATIVE,
      json: { ok: false, error: tag, ...details, message },
      text: `${inventoryPath}: ${tag}: ${message}`,
    };
  }
  const observed = loadObserved(io, requireString(args, 'observed'));
  const previousPresent = optionalInteger(args, 'previous-present');
  if (previousPresent !== undefined && previousPresent < 0) {
    throw new UsageError('--previous-present must be >= 0');
  }
  const shrinkGuard = optionalNumber(args, 'shrink-guard');
  if (shrinkGuard !== undefined && !(shrinkGuard >= 0 && shrinkGuard <= 1)) {
    throw new UsageError('--shrink-guard must be a fraction between 0 and 1');
  }
  const plan = reconcile(
    desiredFromInventory(inventory.value),
    observed,
    previousPresent === undefined ? undefined : { presentCount: previousPresent },
    shrinkGuard === undefined ? {} : { shrinkGuard },
  );
  return { exitCode: ExitCode.OK, json: planJson(plan), text: planText(plan) };
}

export const plan: Command = {
  path: ['plan'],
  synopsis:
    '--inventory FILE --observed FILE [--previous-present N] [--shrink-guard F] | --live [--inventory FILE]',
  summary: 'Show what the reconciler would do for an inventory and an observed fleet.',
  details: `Runs the reconciler's pure plan offline. The observed file is JSON:
{"nodes": [{"id", "present", "can_sign", "evidence"?: {"credential_id", "not_after",
"status_at" (RFC 3339)}}], "strict_enforced": bool}. --previous-present is the present count of the
previous pass (enables the shrink guard's drop rule); --shrink-guard the fraction (default 0.3).
Prints {"actions": [{"kind", "id"?}], "guards": [{"kind", "reason"}]}.
--live asks the running reconciler instead (fed.reconciler.plan over NATS_URL): the plan for the
live fleet and the stored inventory (or --inventory FILE), with its observation summary; nothing is
applied. Prints the reply {"actions", "guards", "observation", "inventory_sha256"}.`,
  options: {
    inventory: { type: 'string' },
    observed: { type: 'string' },
    'previous-present': { type: 'string' },
    'shrink-guard': { type: 'string' },
    live: { type: 'boolean', default: false },
  },
  run: runPlan,
};
