import {
  RecordLimits,
  addIssue,
  asString,
  checkInteger,
  checkTimestamp,
  isCleanText,
  utf8Length,
  type IssuePath,
  type RecordIssue,
} from './record-fields.js';

/**
 * Provenance fields of a memory (reference §2.12 / ai-memory "Form 4"): `citations`,
 * `source_uri` and `source_span`. Checks append every problem to `issues`; never throw.
 */

const URI_SCHEMES = ['uri:', 'doc:', 'file:'] as const;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

type Path = IssuePath;

/** A source URI: trimmed non-empty, ≤ 4096 bytes, clean, `uri:`/`doc:`/`file:` + payload. */
export function checkSourceUri(value: unknown, path: Path, issues: RecordIssue[]): void {
  const uri = asString(value, path, issues);
  if (uri === undefined) return;
  const trimmed = uri.trim();
  const scheme = URI_SCHEMES.find((s) => trimmed.startsWith(s));
  if (utf8Length(trimmed) > RecordLimits.MAX_SOURCE_URI_BYTES) {
    addIssue(issues, path, 'must be at most 4096 bytes');
  } else if (!isCleanText(trimmed)) {
    addIssue(issues, path, 'must not contain control characters');
  } else if (scheme === undefined) {
    addIssue(issues, path, 'must start with uri:, doc: or file:');
  } else if (trimmed.slice(scheme.length).trim() === '') {
    addIssue(issues, path, 'must have a non-empty payload after the scheme');
  }
}

/** A byte span `{start, end}`: non-negative integers with start < end. */
export function checkSpan(value: unknown, path: Path, issues: RecordIssue[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    addIssue(issues, path, 'must be an object {start, end}');
    return;
  }
  const { start, end } = value as Record<string, unknown>;
  const unbounded = { min: 0, max: Number.MAX_SAFE_INTEGER };
  const before = issues.length;
  checkInteger(start, [...path, 'start'], issues, unbounded);
  checkInteger(end, [...path, 'end'], issues, unbounded);
  if (issues.length === before && (start as number) >= (end as number)) {
    addIssue(issues, path, 'start must be less than end');
  }
}

/** Citations: at most 64 of `{uri, accessed_at, hash?, span?}`. */
export function checkCitations(value: unknown, path: Path, issues: RecordIssue[]): void {
  if (!Array.isArray(value)) {
    addIssue(issues, path, 'must be an array');
    return;
  }
  if (value.length > RecordLimits.MAX_CITATIONS)
    addIssue(issues, path, 'must hold at most 64 citations');
  value.forEach((item: unknown, i) => {
    const at = [...path, i];
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      addIssue(issues, at, 'must be an object');
      return;
    }
    const citation = item as Record<string, unknown>;
    checkSourceUri(citation['uri'], [...at, 'uri'], issues);
    checkTimestamp(citation['accessed_at'], [...at, 'accessed_at'], issues);
    const hash = citation['hash'];
    if (
      hash !== undefined &&
      hash !== null &&
      (typeof hash !== 'string' || !SHA256_HEX.test(hash))
    ) {
      addIssue(issues, [...at, 'hash'], 'must be 64 hex characters');
    }
    if (citation['span'] !== undefined && citation['span'] !== null) {
      checkSpan(citation['span'], [...at, 'span'], issues);
    }
  });
}
