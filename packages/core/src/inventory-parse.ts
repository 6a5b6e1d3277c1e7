/**
 * Inventory YAML, first phase: text → schema-checked raw value (reconciler.md, reference §2.8).
 * Every failure here is `inventory_parse_error`; the rules over the values (blank names, widths,
 * durations, ids) are the second phase, in `inventory-validate.ts`.
 */
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { INVENTORY_YAML_MAX_CHARS } from './schemas/status.js';

/** Attestor kinds a node may declare (`join-token` is this project's addition). */
export const Attestor = {
  MtlsCert: 'mtls-cert',
  NodePlugin: 'node-plugin',
  JoinToken: 'join-token',
} as const;
/** An attestor kind. */
export type Attestor = (typeof Attestor)[keyof typeof Attestor];

/** Tags of inventory errors, in the order the rules are checked. */
export const InventoryErrorTag = {
  ParseError: 'inventory_parse_error',
  EmptyTrustDomain: 'inventory_empty_trust_domain',
  InvalidQuorumWidth: 'inventory_invalid_quorum_width',
  EmptyRegionName: 'inventory_empty_region_name',
  InvalidNodeId: 'inventory_invalid_node_id',
  InvalidDuration: 'inventory_invalid_duration',
  RenewBeforeNotShorterThanTtl: 'inventory_renew_before_not_shorter_than_ttl',
  DuplicateNodeId: 'inventory_duplicate_node_id',
} as const;
/** An inventory error tag. */
export type InventoryErrorTag = (typeof InventoryErrorTag)[keyof typeof InventoryErrorTag];

/** The duration fields of a node. */
export type DurationField = 'cred_ttl' | 'renew_before';

/**
 * One inventory violation. `node` is the node id as written (node-level rules), `field` and
 * `value` name the offending duration (`inventory_invalid_duration` only); `message` is for people
 * and carries the location (YAML line/column or the key path) for parse errors.
 */
export type InventoryError = {
  readonly tag: InventoryErrorTag;
  readonly node?: string;
  readonly field?: DurationField;
  readonly value?: string;
  readonly message: string;
};

/** More aliases than this in one file is refused (billion-laughs protection). */
export const INVENTORY_MAX_ALIAS_COUNT = 100;

/** A duration field: a string; a YAML number (`900`) gets a hint instead of "expected string". */
function durationString(example: string): z.ZodString {
  return z.string({
    error: (issue) =>
      typeof issue.input === 'number'
        ? `must be a string such as "${example}" (a bare number is not a duration)`
        : undefined,
  });
}

// An optional key written with no value (`nodes:`) reads as null and means the same as absent.
const NodeSchema = z.strictObject({
  id: z.string(),
  attestor: z.enum([Attestor.MtlsCert, Attestor.NodePlugin, Attestor.JoinToken]),
  cred_ttl: durationString('1h'),
  renew_before: durationString('15m'),
  roles: z.array(z.string()).nullish(),
});

const RegionSchema = z.strictObject({
  name: z.string(),
  intermediate_ca: z.string().nullish(),
  nodes: z.array(NodeSchema).nullish(),
});

const InventorySchema = z.strictObject({
  trust_domain: z.string(),
  root_ca: z.string().nullish(),
  regions: z.array(RegionSchema).nullish(),
  quorum: z.strictObject({ width: z.number().int() }),
  enforcement: z.strictObject({ require_sig: z.boolean() }).nullish(),
});

/** The inventory as written, after the schema check and before the validation rules. */
export type RawInventory = z.infer<typeof InventorySchema>;

/** Outcome of {@link parseInventoryYaml}. */
export type RawInventoryParse =
  | { readonly ok: true; readonly value: RawInventory }
  | { readonly ok: false; readonly errors: readonly InventoryError[] };

// YAML 1.2 core schema pinned (a `%YAML 1.1` directive must not turn `yes` into true), no
// yaml-1.1 tags (`!!binary`, `!!set`...), no merge keys, string keys only, duplicates refused.
const YAML_OPTIONS = {
  version: '1.2',
  schema: 'core',
  resolveKnownTags: false,
  merge: false,
  uniqueKeys: true,
  strict: true,
  stringKeys: true,
  prettyErrors: true,
  // Not 'silent': that level also drops real errors. 'error' emits nothing (no process warnings).
  logLevel: 'error',
} as const;

function parseError(message: string): InventoryError {
  return { tag: InventoryErrorTag.ParseError, message };
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').replace(/:$/, '');
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : `${out === '' ? '' : '.'}${String(key)}`;
  }
  return out === '' ? '(document)' : out;
}

function isPlainMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses inventory YAML text and checks it against the strict schema.
 *
 * Inputs: any string. Output: the raw value, or every schema problem as an
 * `inventory_parse_error` (YAML syntax errors and warnings, duplicate keys, several documents,
 * excessive aliases, a document that is not a mapping, unknown or missing keys, wrong types, an
 * unknown attestor, text over `INVENTORY_YAML_MAX_CHARS` (the `fed-inventory` KV limit)). Pure; never
 * throws.
 */
export function parseInventoryYaml(text: string): RawInventoryParse {
  if (text.length > INVENTORY_YAML_MAX_CHARS) {
    return {
      ok: false,
      errors: [parseError(`the inventory is larger than ${INVENTORY_YAML_MAX_CHARS} characters`)],
    };
  }
  let data: unknown;
  try {
    const docs = parseAllDocuments(text, YAML_OPTIONS);
    const [doc] = docs;
    if (doc === undefined) {
      return { ok: false, errors: [parseError('the inventory is empty (no YAML document)')] };
    }
    if (docs.length > 1) {
      return {
        ok: false,
        errors: [parseError(`the inventory must be one YAML document, found ${docs.length}`)],
      };
    }
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) {
      return {
        ok: false,
        errors: problems.map((e) => parseError(`YAML ${e.code}: ${firstLine(e.message)}`)),
      };
    }
    data = doc.toJS({ maxAliasCount: INVENTORY_MAX_ALIAS_COUNT });
  } catch (e) {
    // Unresolved aliases, alias bombs and pathological nesting surface as throws from the library.
    const reason = e instanceof Error ? e.message : String(e);
    return { ok: false, errors: [parseError(`YAML: ${firstLine(reason)}`)] };
  }
  if (!isPlainMapping(data)) {
    return {
      ok: false,
      errors: [parseError('the inventory must be a YAML mapping with trust_domain and quorum')],
    };
  }
  const checked = InventorySchema.safeParse(data);
  if (!checked.success) {
    return {
      ok: false,
      errors: checked.error.issues.map((issue) =>
        parseError(`${formatPath(issue.path)}: ${issue.message}`),
      ),
    };
  }
  return { ok: true, value: checked.data };
}
