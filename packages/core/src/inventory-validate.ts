/**
 * Inventory YAML, second phase: the validation rules over a schema-checked raw inventory, and the
 * typed {@link Inventory} value (reconciler.md, reference §2.8).
 */
import { checkAgentId } from './agent-id.js';
import { parseDuration } from './duration.js';
import { InventoryErrorTag } from './inventory-parse.js';
import type { Attestor, DurationField, InventoryError, RawInventory } from './inventory-parse.js';

/** A node of the inventory, flattened out of its region. Durations are whole seconds. */
export type InventoryNode = {
  readonly id: string;
  /** Name of the region that lists the node. */
  readonly region: string;
  readonly attestor: Attestor;
  readonly credTtlS: number;
  readonly renewBeforeS: number;
  /** Carried, not interpreted. */
  readonly roles: readonly string[];
};

/** A region of the inventory (its nodes are in {@link Inventory.nodes}). */
export type InventoryRegion = {
  readonly name: string;
  readonly intermediateCa?: string;
};

/** A valid inventory. */
export type Inventory = {
  readonly trustDomain: string;
  readonly rootCa?: string;
  readonly regions: readonly InventoryRegion[];
  /** Every node of every region, in inventory order (regions in order, nodes in order). */
  readonly nodes: readonly InventoryNode[];
  /** >= 1. */
  readonly quorumWidth: number;
  /**
   * The desired posture: `true` strict, `false` permissive, `null` when the file has no
   * `enforcement` block, which leaves the posture unchanged (reference bug #2975 fixed).
   */
  readonly requireSig: boolean | null;
};

/** Outcome of {@link validateRawInventory}: the value when `errors` is empty. */
export type InventoryValidation =
  | { readonly ok: true; readonly value: Inventory }
  | { readonly ok: false; readonly errors: readonly InventoryError[] };

type RawNode = NonNullable<NonNullable<RawInventory['regions']>[number]['nodes']>[number];

function isBlank(text: string): boolean {
  return text.trim().length === 0;
}

/** Parses one duration field, recording the violation; the seconds, or undefined. */
function checkDuration(
  node: RawNode,
  field: DurationField,
  errors: InventoryError[],
): number | undefined {
  const value = node[field];
  const parsed = parseDuration(value);
  if (parsed.ok) return parsed.seconds;
  errors.push({
    tag: InventoryErrorTag.InvalidDuration,
    node: node.id,
    field,
    value,
    message: `node "${node.id}": ${field} ${JSON.stringify(value)} is not a positive duration (<int><unit>, unit s, m, h, d or w)`,
  });
  return undefined;
}

/** Checks one node in rule order (id, cred_ttl, renew_before, their relation, uniqueness). */
function checkNode(
  node: RawNode,
  seen: Set<string>,
  errors: InventoryError[],
): { credTtlS: number; renewBeforeS: number } | undefined {
  const before = errors.length;
  const idCheck = checkAgentId(node.id);
  if (!idCheck.ok) {
    errors.push({
      tag: InventoryErrorTag.InvalidNodeId,
      node: node.id,
      message: `node id ${JSON.stringify(node.id)} is not a valid agent id (${idCheck.reason})`,
    });
  }
  const credTtlS = checkDuration(node, 'cred_ttl', errors);
  const renewBeforeS = checkDuration(node, 'renew_before', errors);
  if (credTtlS !== undefined && renewBeforeS !== undefined && renewBeforeS >= credTtlS) {
    errors.push({
      tag: InventoryErrorTag.RenewBeforeNotShorterThanTtl,
      node: node.id,
      message: `node "${node.id}": renew_before (${node.renew_before}) must be shorter than cred_ttl (${node.cred_ttl})`,
    });
  }
  if (seen.has(node.id)) {
    errors.push({
      tag: InventoryErrorTag.DuplicateNodeId,
      node: node.id,
      message: `node id "${node.id}" is listed more than once`,
    });
  }
  seen.add(node.id);
  if (errors.length !== before || credTtlS === undefined || renewBeforeS === undefined) {
    return undefined;
  }
  return { credTtlS, renewBeforeS };
}

/**
 * Applies the validation rules to a schema-checked inventory.
 *
 * Inputs: the raw value from `parseInventoryYaml`. Output: the typed inventory, or EVERY violation
 * in rule order: blank trust_domain, quorum.width < 1, then per region in order its blank name
 * and per node in order: invalid id, bad cred_ttl, bad renew_before, renew_before >= cred_ttl,
 * duplicate id (in any region). The first element is therefore the violation that "first
 * violation wins" reports. Pure; never throws.
 */
export function validateRawInventory(raw: RawInventory): InventoryValidation {
  const errors: InventoryError[] = [];
  if (isBlank(raw.trust_domain)) {
    errors.push({ tag: InventoryErrorTag.EmptyTrustDomain, message: 'trust_domain is blank' });
  }
  if (raw.quorum.width < 1) {
    errors.push({
      tag: InventoryErrorTag.InvalidQuorumWidth,
      message: `quorum.width is ${raw.quorum.width}; it must be at least 1`,
    });
  }
  const regions: InventoryRegion[] = [];
  const nodes: InventoryNode[] = [];
  const seen = new Set<string>();
  for (const [index, region] of (raw.regions ?? []).entries()) {
    if (isBlank(region.name)) {
      errors.push({
        tag: InventoryErrorTag.EmptyRegionName,
        message: `regions[${index}].name is blank`,
      });
    }
    regions.push({
      name: region.name,
      ...(region.intermediate_ca != null && { intermediateCa: region.intermediate_ca }),
    });
    for (const node of region.nodes ?? []) {
      const durations = checkNode(node, seen, errors);
      if (durations === undefined) continue;
      nodes.push({
        id: node.id,
        region: region.name,
        attestor: node.attestor,
        ...durations,
        roles: node.roles ?? [],
      });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      trustDomain: raw.trust_domain,
      ...(raw.root_ca != null && { rootCa: raw.root_ca }),
      regions,
      nodes,
      quorumWidth: raw.quorum.width,
      requireSig: raw.enforcement?.require_sig ?? null,
    },
  };
}
