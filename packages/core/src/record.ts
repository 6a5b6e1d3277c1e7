import { z } from 'zod';
import { ErrorCode } from './errors.js';
import {
  RecordLimits,
  checkConfidence,
  checkContent,
  checkInteger,
  checkMemoryId,
  checkMetadata,
  checkNamespace,
  checkSource,
  checkTags,
  checkTier,
  checkTimestamp,
  checkTitle,
  namespaceProblem,
  type RecordIssue,
} from './record-fields.js';
import { checkCitations, checkSourceUri, checkSpan } from './record-provenance.js';

/**
 * Validation of replicated records (sync.md, Records; reference §2.12, §5.3).
 *
 * A record is an ai-memory memory (a JSON object) or a tombstone
 * `{id, namespace, deleted: true, updated_at}`. Known fields are checked with the reference limits
 * (see `record-fields.ts`); every other field is carried unchanged (the validated record IS the
 * input object). Every issue is reported, with its path, so a 400 lists them all.
 *
 * Required fields. The reference's push body does not say which memory fields must be present
 * (§5.3 only requires the `memories` array); ai-memory's serde model requires `id, tier,
 * namespace, title, content, tags, priority, confidence, source, access_count, created_at,
 * updated_at`, while fedplane's own records (and the golden vectors) carry `id, namespace, title,
 * content, tags, priority, source, updated_at`. fedplane needs `id` (identity), `namespace`
 * (scopes), `updated_at` (conflict order) and a non-blank `title` and `content` (a memory without
 * them is refused by every ai-memory validator), so those five are required and the rest are
 * checked when present. `requireAiMemoryFields` adds the seven others, for a gateway that
 * forwards to an ai-memory daemon and wants to refuse at the edge what the daemon would refuse.
 * Optional fields may be `null` where ai-memory models them as optional (`last_accessed_at`,
 * `expires_at`, `source_uri`, `source_span`).
 *
 * A tombstone needs `id`, `namespace`, `updated_at` and `deleted` exactly `true`; its other
 * fields are carried and not checked. A `deleted` field with any other value is refused.
 */

/** Largest number of records in one subcollection of a push (reference `MAX_BULK_SIZE`). */
export const MAX_RECORDS_PER_BATCH = 1000;

/** Fields every memory must carry. */
export const REQUIRED_MEMORY_FIELDS = [
  'id',
  'namespace',
  'title',
  'content',
  'updated_at',
] as const;

/** Fields ai-memory's model also requires (checked with `requireAiMemoryFields`). */
export const AI_MEMORY_REQUIRED_FIELDS = [
  'tier',
  'tags',
  'priority',
  'confidence',
  'source',
  'access_count',
  'created_at',
] as const;

/** A validated memory: the known fields typed, every other field carried as is. */
export type SyncMemory = {
  readonly id: string;
  readonly namespace: string;
  readonly title: string;
  readonly content: string;
  readonly updated_at: string;
} & Readonly<Record<string, unknown>>;

/** A validated tombstone. */
export type SyncTombstone = {
  readonly id: string;
  readonly namespace: string;
  readonly deleted: true;
  readonly updated_at: string;
} & Readonly<Record<string, unknown>>;

/** A validated record, tagged by kind. */
export type ValidatedRecord =
  | { readonly kind: 'memory'; readonly record: SyncMemory }
  | { readonly kind: 'tombstone'; readonly record: SyncTombstone };

/** Options of the validators. */
export type RecordValidationOptions = { readonly requireAiMemoryFields?: boolean };

/** Result of {@link validateSyncRecord}. */
export type RecordValidation =
  | ({ readonly ok: true } & ValidatedRecord)
  | { readonly ok: false; readonly issues: readonly RecordIssue[] };

/** Result of {@link validateSyncRecords}. */
export type RecordBatchValidation =
  | { readonly ok: true; readonly records: readonly ValidatedRecord[] }
  | {
      readonly ok: false;
      readonly error: {
        readonly code: typeof ErrorCode.BAD_REQUEST;
        readonly issues: readonly RecordIssue[];
      };
    };

/** Result of {@link validateNamespace}. */
export type NamespaceValidation =
  { readonly ok: true } | { readonly ok: false; readonly reason: string };

type Check = (value: unknown, path: readonly (string | number)[], issues: RecordIssue[]) => void;

const MEMORY_CHECKS: Readonly<Record<string, Check>> = {
  id: checkMemoryId,
  namespace: checkNamespace,
  title: checkTitle,
  content: checkContent,
  updated_at: checkTimestamp,
  created_at: checkTimestamp,
  tier: checkTier,
  tags: checkTags,
  source: checkSource,
  priority: (v, p, i) =>
    checkInteger(v, p, i, { min: RecordLimits.MIN_PRIORITY, max: RecordLimits.MAX_PRIORITY }),
  confidence: checkConfidence,
  access_count: (v, p, i) => checkInteger(v, p, i, { min: 0, max: Number.MAX_SAFE_INTEGER }),
  metadata: checkMetadata,
  citations: checkCitations,
};

/** Optional fields that ai-memory models as `Option`, so JSON `null` means absent. */
const NULLABLE_CHECKS: Readonly<Record<string, Check>> = {
  last_accessed_at: checkTimestamp,
  expires_at: checkTimestamp,
  source_uri: checkSourceUri,
  source_span: checkSpan,
};

const TOMBSTONE_CHECKS: Readonly<Record<string, Check>> = {
  id: checkMemoryId,
  namespace: checkNamespace,
  updated_at: checkTimestamp,
};

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkFields(
  record: Readonly<Record<string, unknown>>,
  checks: Readonly<Record<string, Check>>,
  required: readonly string[],
  issues: RecordIssue[],
): void {
  for (const [field, check] of Object.entries(checks)) {
    if (Object.hasOwn(record, field)) check(record[field], [field], issues);
    else if (required.includes(field)) issues.push({ path: [field], message: 'is required' });
  }
}

/**
 * Validates one record (a memory or a tombstone).
 * Input: any parsed JSON value. Output: the same object typed and tagged `memory`/`tombstone`,
 * or every issue found. Never throws (hostile nesting, huge strings and odd types included).
 */
export function validateSyncRecord(
  value: unknown,
  options: RecordValidationOptions = {},
): RecordValidation {
  if (!isObject(value))
    return { ok: false, issues: [{ path: [], message: 'must be a JSON object' }] };
  const issues: RecordIssue[] = [];
  if (Object.hasOwn(value, 'deleted')) {
    if (value['deleted'] !== true) {
      issues.push({ path: ['deleted'], message: 'must be true when present' });
    }
    checkFields(value, TOMBSTONE_CHECKS, Object.keys(TOMBSTONE_CHECKS), issues);
    if (issues.length > 0) return { ok: false, issues };
    return { ok: true, kind: 'tombstone', record: value as SyncTombstone };
  }
  const required: readonly string[] = options.requireAiMemoryFields
    ? [...REQUIRED_MEMORY_FIELDS, ...AI_MEMORY_REQUIRED_FIELDS]
    : REQUIRED_MEMORY_FIELDS;
  checkFields(value, MEMORY_CHECKS, required, issues);
  for (const [field, check] of Object.entries(NULLABLE_CHECKS)) {
    const fieldValue = value[field];
    if (fieldValue !== undefined && fieldValue !== null) check(fieldValue, [field], issues);
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, kind: 'memory', record: value as SyncMemory };
}

/**
 * Validates one subcollection of a push (for example `memories`): an array of at most
 * {@link MAX_RECORDS_PER_BATCH} records. Output: the validated records in order, or
 * `BAD_REQUEST` with every issue, paths prefixed by the record's index (an oversized batch
 * reports only its size and checks nothing else). Never throws.
 */
export function validateSyncRecords(
  values: unknown,
  options: RecordValidationOptions = {},
): RecordBatchValidation {
  const fail = (issues: readonly RecordIssue[]): RecordBatchValidation => ({
    ok: false,
    error: { code: ErrorCode.BAD_REQUEST, issues },
  });
  if (!Array.isArray(values)) return fail([{ path: [], message: 'must be an array' }]);
  if (values.length > MAX_RECORDS_PER_BATCH) {
    return fail([{ path: [], message: `must hold at most ${MAX_RECORDS_PER_BATCH} records` }]);
  }
  const issues: RecordIssue[] = [];
  const records: ValidatedRecord[] = [];
  values.forEach((value: unknown, index) => {
    const result = validateSyncRecord(value, options);
    if (result.ok) {
      records.push(
        result.kind === 'memory'
          ? { kind: 'memory', record: result.record }
          : { kind: 'tombstone', record: result.record },
      );
    } else
      for (const issue of result.issues) issues.push({ ...issue, path: [index, ...issue.path] });
  });
  return issues.length > 0 ? fail(issues) : { ok: true, records };
}

/** Validates a namespace alone (reference `validate_namespace`, without trimming first). */
export function validateNamespace(namespace: string): NamespaceValidation {
  const reason = namespaceProblem(namespace);
  return reason === null ? { ok: true } : { ok: false, reason };
}

/**
 * The same rule as a zod schema, for composing wire schemas at the edge (for example the push
 * body's `memories: z.array(SyncRecordSchema).max(MAX_RECORDS_PER_BATCH)`); every issue becomes
 * a zod issue with its path.
 */
export const SyncRecordSchema = z.unknown().transform((value, ctx): SyncMemory | SyncTombstone => {
  const result = validateSyncRecord(value);
  if (result.ok) return result.record;
  for (const issue of result.issues) {
    ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
  }
  return z.NEVER;
});
