import { fromUtf8, validateSyncRecord, type DlqClass, type ValidatedRecord } from '@fedplane/core';
import { parseCanonicalJson } from './canonical-json.js';
import { nulCharPaths } from './nul-chars.js';

/**
 * What a gateway does with one record it received from `FED_SYNC` (sync.md, Receive path). Pure:
 * the shell verifies the signature (with its credential cache) and passes the outcome in.
 *
 * Order: own records are skipped (already applied before publishing). Then the signature: a
 * message that is not signed by its origin (unsigned, invalid, or signed by another node than the
 * subject's origin token) is `unauthenticated` under strict posture and applied (counted as
 * unverified) under permissive posture. Then the bytes: not UTF-8 canonical JSON, or not a valid
 * record, or one holding U+0000 (which no replica can store) → `invalid`. Then the origin's namespace scope → `out_of_scope`. Else apply.
 */

/** The signature check of a received message, as the shell established it. */
export type OriginSignature =
  | { readonly kind: 'verified'; readonly signer: string }
  | { readonly kind: 'unsigned' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Inputs of {@link decideReceive}. */
export type ReceiveInput = {
  readonly self: string;
  /** The origin node of the subject `fed.sync.rec.<origin>`. */
  readonly origin: string;
  readonly body: Uint8Array;
  readonly signature: OriginSignature;
  /** Live posture: strict signature enforcement. */
  readonly requireSig: boolean;
  /** May `origin` write `namespace`? */
  readonly originMayWrite: (namespace: string) => boolean;
};

/** The decision for one received record. */
export type ReceiveDecision =
  | { readonly kind: 'own' }
  | {
      readonly kind: 'apply';
      readonly validated: ValidatedRecord;
      /** The record's canonical bytes as received (what the origin published, signed and hashed). */
      readonly bytes: Uint8Array;
      /** True when the origin's signature verified. */
      readonly verified: boolean;
    }
  | {
      readonly kind: 'dead_letter';
      readonly class: DlqClass;
      readonly detail: string;
      readonly recordId?: string;
      readonly namespace?: string;
    };

function signatureProblem(input: ReceiveInput): string | undefined {
  const { signature, origin } = input;
  if (signature.kind === 'unsigned') return 'record is not signed';
  if (signature.kind === 'invalid') return `origin signature refused: ${signature.reason}`;
  if (signature.signer !== origin) {
    return `signed by ${signature.signer}, not by the origin ${origin}`;
  }
  return undefined;
}

function idAndNamespace(value: unknown): { recordId?: string; namespace?: string } {
  if (typeof value !== 'object' || value === null) return {};
  const record = value as Record<string, unknown>;
  const id = record['id'];
  const namespace = record['namespace'];
  return {
    ...(typeof id === 'string' && id.length <= 128 ? { recordId: id } : {}),
    ...(typeof namespace === 'string' && namespace.length <= 512 ? { namespace } : {}),
  };
}

/** Decides one received record (see the module comment). Never throws. */
export function decideReceive(input: ReceiveInput): ReceiveDecision {
  if (input.origin === input.self) return { kind: 'own' };
  const problem = signatureProblem(input);
  if (problem !== undefined && input.requireSig) {
    return { kind: 'dead_letter', class: 'unauthenticated', detail: problem };
  }
  const text = fromUtf8(input.body);
  const parsed = text === undefined ? undefined : parseCanonicalJson(text);
  if (parsed === undefined) {
    return { kind: 'dead_letter', class: 'invalid', detail: 'record is not canonical JSON' };
  }
  const value = parsed.value;
  const where = idAndNamespace(value);
  const result = validateSyncRecord(value);
  if (!result.ok) {
    const detail = result.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`)
      .join('; ');
    return { kind: 'dead_letter', class: 'invalid', detail, ...where };
  }
  const nul = nulCharPaths(value);
  if (nul.length > 0) {
    const detail = `U+0000 cannot be stored: ${nul.slice(0, 5).join(', ')}`;
    return { kind: 'dead_letter', class: 'invalid', detail, ...where };
  }
  const validated: ValidatedRecord =
    result.kind === 'memory'
      ? { kind: 'memory', record: result.record }
      : { kind: 'tombstone', record: result.record };
  if (!input.originMayWrite(validated.record.namespace)) {
    return {
      kind: 'dead_letter',
      class: 'out_of_scope',
      detail: `origin ${input.origin} may not write namespace ${validated.record.namespace}`,
      ...where,
    };
  }
  return { kind: 'apply', validated, bytes: input.body, verified: problem === undefined };
}
