import { PlanReplySchema, type PlanReply } from '@fedplane/core';
import { FixedSubject } from '@fedplane/messaging';
import { optionalString, readUserFile, type ParsedArgs } from '../args.js';
import type { CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import {
  callIssuer,
  failedCall,
  processIssuerDeps,
  type IssuerCommandDeps,
} from './issuer-client.js';

/**
 * `fedplane plan --live [--inventory FILE]`: asks the running reconciler (`fed.reconciler.plan`)
 * for the plan the live fleet would get, for the stored inventory or the given file. A dry run:
 * nothing is applied.
 */

function liveText(reply: PlanReply): string {
  const o = reply.observation;
  const lines = [
    `inventory ${reply.inventory_sha256}: ${o.desired} desired, ${o.observed} observed, ${o.present} present, ${o.can_sign} can sign, ${o.strict_enforced ? 'strict' : 'permissive'}`,
  ];
  if (o.unverified_count > 0) {
    lines.push(`${o.unverified_count} status(es) failed verification:`);
    for (const u of o.unverified) lines.push(`  ${u.node_id}: ${u.reason}`);
  }
  if (reply.actions.length === 0 && reply.guards.length === 0)
    lines.push('converged: nothing to do');
  else {
    lines.push(reply.actions.length === 0 ? 'no actions' : 'actions:');
    for (const a of reply.actions) lines.push(`  ${a.kind}${'id' in a ? ` ${a.id}` : ''}`);
    for (const g of reply.guards) lines.push(`  guard ${g.kind}: ${g.reason}`);
  }
  return lines.join('\n');
}

/** Runs the live dry run over `deps` (NATS_URL from its environment). */
export async function runPlanLive(
  args: ParsedArgs,
  io: CliIo,
  deps: IssuerCommandDeps = processIssuerDeps,
): Promise<CommandResult> {
  const file = optionalString(args, 'inventory');
  const body =
    file === undefined ? {} : { inventory_yaml: readUserFile(io, file, 'inventory file') };
  const out = await callIssuer(deps, FixedSubject.reconcilerPlan, body, PlanReplySchema);
  if (!out.ok) return failedCall('plan --live', out);
  return { exitCode: ExitCode.OK, json: out.value, text: liveText(out.value) };
}
