import { isRfc3339 } from './rfc3339.js';

/**
 * Field rules of a replicated memory, with the reference limits (§2.12; ai-memory
 * `src/validate.rs`). Each check appends every problem it finds to `issues` and never throws.
 * "Clean" text has no control characters (Unicode Cc) except `\n` and `\t`, and no lone
 * surrogates (which no UTF-8 peer could carry). Lengths said in characters count code points;
 * lengths in bytes count UTF-8 bytes.
 */

/** One problem: where (`path` from the record root) and what. */
export type RecordIssue = { readonly path: readonly (string | number)[]; readonly message: string };

/** Source values a receiver accepts (closed set; a newer value is refused, as the reference). */
export const MEMORY_SOURCES: ReadonlySet<string> = new Set([
  'user',
  'nhi',
  'claude',
  'hook',
  'api',
  'cli',
  'import',
  'consolidation',
  'system',
  'chaos',
  'notify',
]);

/** Memory tiers. */
export const MEMORY_TIERS: ReadonlySet<string> = new Set(['short', 'mid', 'long']);

/** The limits, named as the reference names them. */
export const RecordLimits = {
  MAX_ID_BYTES: 128,
  MAX_TITLE_CHARS: 512,
  MAX_CONTENT_BYTES: 65_536,
  MAX_NAMESPACE_CHARS: 512,
  MAX_NAMESPACE_DEPTH: 8,
  MAX_SOURCE_BYTES: 64,
  MAX_TAGS: 50,
  MAX_TAG_BYTES: 128,
  MIN_PRIORITY: 1,
  MAX_PRIORITY: 10,
  MAX_METADATA_BYTES: 65_536,
  MAX_METADATA_DEPTH: 32,
  MAX_CITATIONS: 64,
  MAX_SOURCE_URI_BYTES: 4_096,
} as const;

const MEMORY_ID = /^[A-Za-z0-9_:.@-]+$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const encoder = new TextEncoder();

/** A path from the record root. */
export type IssuePath = readonly (string | number)[];
type Path = IssuePath;

/** UTF-8 length in bytes. */
export function utf8Length(text: string): number {
  return encoder.encode(text).byteLength;
}

function isControl(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/** True when the text has no control character except `\n`/`\t` and no lone surrogate. */
export function isCleanText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isControl(code) && code !== 0x0a && code !== 0x09) return false;
  }
  return !LONE_SURROGATE.test(text);
}

function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    count++;
  }
  return count;
}

/** Appends one issue. */
export function addIssue(issues: RecordIssue[], path: Path, message: string): void {
  issues.push({ path, message });
}

/** The value when it is a string; otherwise records "must be a string" and gives undefined. */
export function asString(value: unknown, path: Path, issues: RecordIssue[]): string | undefined {
  if (typeof value === 'string') return value;
  addIssue(issues, path, 'must be a string');
  return undefined;
}

/** Memory id: 1–128 bytes of `[A-Za-z0-9_:.@-]`, no `..` (so no `/`, `\` or control). */
export function checkMemoryId(value: unknown, path: Path, issues: RecordIssue[]): void {
  const id = asString(value, path, issues);
  if (id === undefined) return;
  if (id.length === 0) addIssue(issues, path, 'must not be empty');
  else if (!MEMORY_ID.test(id)) addIssue(issues, path, 'may only contain A-Z a-z 0-9 _ : . @ -');
  else if (id.length > RecordLimits.MAX_ID_BYTES)
    addIssue(issues, path, 'must be at most 128 bytes');
  else if (id.includes('..')) addIssue(issues, path, 'must not contain ".."');
}

/** Why a namespace is refused, or null when it is valid. */
export function namespaceProblem(namespace: string): string | null {
  if (namespace.trim() === '') return 'must not be blank';
  if (codePoints(namespace) > RecordLimits.MAX_NAMESPACE_CHARS) {
    return 'must be at most 512 characters';
  }
  if (namespace.includes('\\')) return 'must not contain "\\"';
  if (namespace.includes(' ')) return 'must not contain spaces';
  for (let i = 0; i < namespace.length; i++) {
    if (isControl(namespace.charCodeAt(i))) return 'must not contain control characters';
  }
  if (LONE_SURROGATE.test(namespace)) return 'must be valid Unicode';
  if (namespace.startsWith('/') || namespace.endsWith('/')) {
    return 'must not start or end with "/"';
  }
  const segments = namespace.split('/');
  if (segments.some((s) => s === '')) return 'must not contain empty segments';
  if (segments.some((s) => s === '.' || s === '..')) return 'must not contain "." or ".." segments';
  if (segments.length > RecordLimits.MAX_NAMESPACE_DEPTH) return 'must be at most 8 segments deep';
  return null;
}

/** Namespace: see {@link namespaceProblem}. */
export function checkNamespace(value: unknown, path: Path, issues: RecordIssue[]): void {
  const namespace = asString(value, path, issues);
  if (namespace === undefined) return;
  const problem = namespaceProblem(namespace);
  if (problem !== null) addIssue(issues, path, problem);
}

/** Title: non-blank after trim, at most 512 characters and clean after trim (as the reference). */
export function checkTitle(value: unknown, path: Path, issues: RecordIssue[]): void {
  const title = asString(value, path, issues);
  if (title === undefined) return;
  const trimmed = title.trim();
  if (trimmed === '') addIssue(issues, path, 'must not be blank');
  else if (codePoints(trimmed) > RecordLimits.MAX_TITLE_CHARS) {
    addIssue(issues, path, 'must be at most 512 characters');
  }
  if (!isCleanText(trimmed)) addIssue(issues, path, 'must not contain control characters');
}

/** Content: non-blank, at most 65 536 bytes, clean. */
export function checkContent(value: unknown, path: Path, issues: RecordIssue[]): void {
  const content = asString(value, path, issues);
  if (content === undefined) return;
  if (content.trim() === '') addIssue(issues, path, 'must not be blank');
  else if (utf8Length(content) > RecordLimits.MAX_CONTENT_BYTES) {
    addIssue(issues, path, 'must be at most 65536 bytes');
  }
  if (!isCleanText(content)) addIssue(issues, path, 'must not contain control characters');
}

/** Source: one of {@link MEMORY_SOURCES}. */
export function checkSource(value: unknown, path: Path, issues: RecordIssue[]): void {
  const source = asString(value, path, issues);
  if (source === undefined) return;
  if (!MEMORY_SOURCES.has(source)) {
    addIssue(issues, path, `must be one of ${[...MEMORY_SOURCES].join(', ')}`);
  }
}

/** Tier: `short`, `mid` or `long`. */
export function checkTier(value: unknown, path: Path, issues: RecordIssue[]): void {
  const tier = asString(value, path, issues);
  if (tier !== undefined && !MEMORY_TIERS.has(tier))
    addIssue(issues, path, 'must be short, mid or long');
}

/** Tags: at most 50, each non-blank, at most 128 bytes and clean after trim (as the reference). */
export function checkTags(value: unknown, path: Path, issues: RecordIssue[]): void {
  if (!Array.isArray(value)) {
    addIssue(issues, path, 'must be an array of strings');
    return;
  }
  if (value.length > RecordLimits.MAX_TAGS) addIssue(issues, path, 'must hold at most 50 tags');
  value.forEach((item: unknown, i) => {
    const tag = asString(item, [...path, i], issues);
    if (tag === undefined) return;
    const trimmed = tag.trim();
    if (trimmed === '') addIssue(issues, [...path, i], 'must not be blank');
    else if (utf8Length(trimmed) > RecordLimits.MAX_TAG_BYTES) {
      addIssue(issues, [...path, i], 'must be at most 128 bytes');
    }
    if (!isCleanText(trimmed))
      addIssue(issues, [...path, i], 'must not contain control characters');
  });
}

/** An integer in `[min, max]`. */
export function checkInteger(
  value: unknown,
  path: Path,
  issues: RecordIssue[],
  range: { readonly min: number; readonly max: number },
): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    addIssue(issues, path, 'must be an integer');
  } else if (value < range.min || value > range.max) {
    addIssue(issues, path, `must be between ${range.min} and ${range.max}`);
  }
}

/** Confidence: a finite number in [0, 1]. */
export function checkConfidence(value: unknown, path: Path, issues: RecordIssue[]): void {
  if (typeof value !== 'number' || !Number.isFinite(value))
    addIssue(issues, path, 'must be a number');
  else if (value < 0 || value > 1) addIssue(issues, path, 'must be between 0 and 1');
}

/** An RFC 3339 timestamp (past values allowed on the federation path). */
export function checkTimestamp(value: unknown, path: Path, issues: RecordIssue[]): void {
  const text = asString(value, path, issues);
  if (text !== undefined && !isRfc3339(text))
    addIssue(issues, path, 'must be an RFC 3339 timestamp');
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/**
 * Nesting depth as the reference counts it: a scalar is 0, an object or array is 1 + its deepest
 * child. Walks level by level and stops once past `limit`, so hostile nesting can neither
 * overflow the stack nor cost more than `limit + 1` levels.
 */
export function jsonDepth(value: unknown, limit: number): number {
  let depth = 0;
  let level: unknown[] = [value];
  while (depth <= limit) {
    const containers = level.filter(isContainer);
    if (containers.length === 0) break;
    depth++;
    level = containers.flatMap((container): unknown[] => Object.values(container) as unknown[]);
  }
  return depth;
}

/** Metadata: a JSON object, nesting depth ≤ 32, serialised (JSON.stringify) ≤ 65 536 bytes. */
export function checkMetadata(value: unknown, path: Path, issues: RecordIssue[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    addIssue(issues, path, 'must be a JSON object');
    return;
  }
  if (jsonDepth(value, RecordLimits.MAX_METADATA_DEPTH) > RecordLimits.MAX_METADATA_DEPTH) {
    addIssue(issues, path, 'must be nested at most 32 levels deep');
    return;
  }
  let serialised: string;
  try {
    serialised = JSON.stringify(value);
  } catch {
    addIssue(issues, path, 'must be JSON');
    return;
  }
  if (utf8Length(serialised) > RecordLimits.MAX_METADATA_BYTES) {
    addIssue(issues, path, 'must serialise to at most 65536 bytes');
  }
}
