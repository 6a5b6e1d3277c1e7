import { parseRfc3339, type SinceResponse } from '@fedplane/core';

/**
 * Keyset paging of a replica (sync.md, Read path; fixes reference #16). Rows are ordered by
 * `(updated_at, id)`; a page is the next `limit` rows after the cursor, and `next_cursor` is taken
 * from the last row of the page BEFORE scope filtering, so rows sharing a timestamp are never
 * skipped and a page whose rows are all filtered out still advances. `next_cursor` is null when
 * the page came back short (the replica is exhausted). Pure.
 */

/** A position in the `(updated_at, id)` order; rows strictly after it are returned. */
export type KeysetPosition =
  | { readonly kind: 'start' }
  /** Reference `since`: rows with `updated_at` strictly after `afterMs` (every id). */
  | { readonly kind: 'since'; readonly afterMs: number }
  | { readonly kind: 'cursor'; readonly updatedAtMs: number; readonly id: string };

/** A replica row as the page needs it. */
export type ReplicaRow = {
  readonly id: string;
  readonly namespace: string;
  readonly updatedAtMs: number;
  readonly record: Readonly<Record<string, unknown>>;
};

/** Encodes a cursor: base64url of `<updated_at ms>.<id>`. */
export function encodeCursor(position: { updatedAtMs: number; id: string }): string {
  return Buffer.from(`${String(position.updatedAtMs)}.${position.id}`, 'utf8').toString(
    'base64url',
  );
}

/** Decodes a cursor; undefined when it is not one this gateway wrote. */
export function decodeCursor(cursor: string): KeysetPosition | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{1,16})\.(.{1,128})$/s.exec(text);
  if (match === null) return undefined;
  const [, ms = '', id = ''] = match;
  const updatedAtMs = Number(ms);
  if (!Number.isSafeInteger(updatedAtMs)) return undefined;
  return { kind: 'cursor', updatedAtMs, id };
}

/** Where a query starts: the cursor when given, else `since`, else the beginning. */
export function startPosition(query: {
  readonly cursor?: string | undefined;
  readonly since?: string | undefined;
}): KeysetPosition | undefined {
  if (query.cursor !== undefined) return decodeCursor(query.cursor);
  if (query.since !== undefined) {
    const parsed = parseRfc3339(query.since);
    return parsed.ok ? { kind: 'since', afterMs: parsed.instantMs } : undefined;
  }
  return { kind: 'start' };
}

/** Who reads, and what they may see. */
export type PageAccess =
  /** No scope configured for the reader: deny by default (nothing is returned). */
  | { readonly kind: 'denied' }
  /** Reader with a scope: `allowed(namespace)` decides; `caller` is the reader's id. */
  | {
      readonly kind: 'scoped';
      readonly caller: string;
      readonly allowed: (namespace: string) => boolean;
    };

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reference visibility (§5.5 step 3): a row whose `metadata.scope` is `private` (and that is not
 * `federation_share: true`) is visible only to its owner (`metadata.agent_id`) or its target
 * (`metadata.target_agent_id`). A row without `metadata.scope` is visible (fedplane records are
 * replicated to every node that may read the namespace).
 */
export function visibleTo(record: Readonly<Record<string, unknown>>, caller: string): boolean {
  const metadata = record['metadata'];
  if (!isObject(metadata)) return true;
  if (metadata['federation_share'] === true) return true;
  if (metadata['scope'] !== 'private') return true;
  return metadata['agent_id'] === caller || metadata['target_agent_id'] === caller;
}

/** Inputs of {@link buildSincePage}. */
export type SincePageInput = {
  /** Rows after the start position, in `(updated_at, id)` order, at most `limit`. */
  readonly rows: readonly ReplicaRow[];
  readonly limit: number;
  readonly since: string | undefined;
  readonly access: PageAccess;
};

function updatedText(row: ReplicaRow): string {
  const text = row.record['updated_at'];
  return typeof text === 'string' ? text : new Date(row.updatedAtMs).toISOString();
}

/** The since response for one page of rows (see the module comment). */
export function buildSincePage(input: SincePageInput): SinceResponse {
  const { rows, limit, access } = input;
  const last = rows.at(-1);
  const nextCursor =
    rows.length >= limit && last !== undefined
      ? encodeCursor({ updatedAtMs: last.updatedAtMs, id: last.id })
      : null;
  const memories: ReplicaRow[] = [];
  let excludedForScope = 0;
  let excludedPrivate = 0;
  if (access.kind === 'scoped') {
    for (const row of rows) {
      if (!access.allowed(row.namespace)) excludedForScope += 1;
      else if (!visibleTo(row.record, access.caller)) excludedPrivate += 1;
      else memories.push(row);
    }
  } else excludedForScope = rows.length;
  const first = memories[0];
  const final = memories.at(-1);
  return {
    count: memories.length,
    limit,
    updated_since: input.since ?? null,
    earliest_updated_at: first === undefined ? null : updatedText(first),
    latest_updated_at: final === undefined ? null : updatedText(final),
    memories: memories.map((row) => row.record as SinceResponse['memories'][number]),
    excluded_for_scope: excludedForScope,
    excluded_for_scope_private: excludedPrivate,
    scope_status: access.kind === 'scoped' ? 'scoped' : 'no_allowlist_default_deny',
    next_cursor: nextCursor,
  };
}
