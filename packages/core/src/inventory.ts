/**
 * The fleet inventory (reconciler.md "Inventory YAML", reference §2.8): parse + validate, and the
 * desired state the reconciler plans against.
 *
 * Schema problems come first and are all `inventory_parse_error` (see `inventory-parse.ts`); the
 * validation rules follow in the reference order (see `inventory-validate.ts`).
 */
import { parseInventoryYaml } from './inventory-parse.js';
import type { InventoryError } from './inventory-parse.js';
import { validateRawInventory } from './inventory-validate.js';
import type { Inventory } from './inventory-validate.js';
import type { DesiredState } from './reconcile.js';

/** Outcome of {@link parseInventory}: the inventory, or the first violation. */
export type InventoryParse =
  | { readonly ok: true; readonly value: Inventory }
  | { readonly ok: false; readonly error: InventoryError };

/** Outcome of {@link validateInventoryAll}: the inventory, or every violation (never empty). */
export type InventoryCheck =
  | { readonly ok: true; readonly value: Inventory }
  | { readonly ok: false; readonly errors: readonly InventoryError[] };

/**
 * Parses and validates inventory YAML, reporting every violation (for `fedplane inventory
 * validate`, which prints them all). Schema problems stop before the validation rules run, since
 * the rules need well-typed values. Pure; never throws.
 */
export function validateInventoryAll(yamlText: string): InventoryCheck {
  const raw = parseInventoryYaml(yamlText);
  if (!raw.ok) return raw;
  return validateRawInventory(raw.value);
}

/**
 * Parses and validates inventory YAML; on failure reports the first violation (schema errors
 * first, then the rules in reference order). Always the first element of
 * {@link validateInventoryAll}'s errors. Pure; never throws.
 */
export function parseInventory(yamlText: string): InventoryParse {
  const checked = validateInventoryAll(yamlText);
  if (checked.ok) return checked;
  const [first] = checked.errors;
  /* c8 ignore next 3 */
  if (first === undefined) {
    throw new Error('validateInventoryAll returned no error for a failed inventory');
  }
  return { ok: false, error: first };
}

/** The desired state the reconciler plans against: node ids in inventory order, the posture. */
export function desiredFromInventory(inv: Inventory): DesiredState {
  return { nodes: inv.nodes.map((n) => n.id), requireSig: inv.requireSig };
}
