import {
  AppError,
  ErrorCode,
  INVENTORY_YAML_MAX_CHARS,
  PlanRequestSchema,
  type PlanReply,
} from '@fedplane/core';
import { FixedSubject, addServiceEndpoints, defineEndpoint } from '@fedplane/messaging';
import { planReply } from '../core/plan-summary.js';
import type { ReconcilerContext } from '../shell/context.js';
import { loadInventoryText } from '../shell/inventory-source.js';
import { computePlan } from '../shell/pass.js';

/**
 * `fed.reconciler.plan` (bus.md): the dry run. Every instance serves it (queue group `q`), leader
 * or standby: the plan the current state would produce for the stored inventory, or for the
 * `inventory_yaml` given. Nothing is applied, journalled or published.
 */

/** Request cap: the largest inventory plus the JSON around it. */
const MAX_PLAN_REQUEST_BYTES = INVENTORY_YAML_MAX_CHARS * 2 + 1024;

/** Answers one dry-run request. */
export async function handlePlan(
  ctx: ReconcilerContext,
  inventoryYaml: string | undefined,
): Promise<PlanReply> {
  let loaded = ctx.inventory.current();
  if (inventoryYaml !== undefined) {
    const given = loadInventoryText(inventoryYaml);
    if (!given.ok) {
      throw new AppError(ErrorCode.BAD_REQUEST, 'inventory is invalid', {
        details: { reason: given.reason },
      });
    }
    loaded = given.value;
  }
  if (loaded === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'no inventory is stored');
  const computed = await computePlan(ctx, loaded);
  return planReply(computed.plan, computed.summary, loaded.sha256);
}

/** Registers the reconciler's NATS service. */
export function registerReconcilerEndpoints(
  ctx: ReconcilerContext,
  version: string,
): ReturnType<typeof addServiceEndpoints> {
  return addServiceEndpoints(ctx.bus.nc, {
    name: 'reconciler',
    version,
    description: 'fedplane reconciler: dry-run plan for the current or a given inventory',
    log: ctx.log,
    maxBytes: MAX_PLAN_REQUEST_BYTES,
    endpoints: [
      defineEndpoint({
        subject: FixedSubject.reconcilerPlan,
        schema: PlanRequestSchema,
        handler: (request) => handlePlan(ctx, request.inventory_yaml),
      }),
    ],
  });
}
