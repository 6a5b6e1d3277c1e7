import {
  CheckpointSchema,
  SignedEnvelopeSchema,
  decodeCredential,
  fromBase64,
  parseCheckpoint,
  parseJsonText,
  parseRfc3339,
  parseTrustBundle,
  toVerifierBundle,
  utf8,
  verifyCheckpoint,
  type AuditCheckpoint,
  type VerifierBundle,
} from '@fedplane/core';
import { verifyKvEnvelope } from '@fedplane/messaging';
import { readUserFile } from '../args.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';

/**
 * Checkpoint and bundle files for `fedplane audit verify`.
 *
 * A checkpoint file is either the signed envelope `{body, sig, cred, chain?}` (what KV
 * `fed-audit` / `checkpoint` and `fed.audit.head` hold) or the bare checkpoint JSON
 * `{log, size, head, at}`. An envelope's signature is checked over its body bytes: with
 * `--bundle`, the credential chain too, as of the checkpoint's own `at`; without, only under the
 * key the credential names (`key_only`). A bare checkpoint is taken as given (`unsigned`).
 */

/** How far a checkpoint file's signature was checked. */
export type CheckpointTrust = 'verified' | 'key_only' | 'unsigned';

/** A checkpoint read from a file. */
export type CheckpointFile =
  | { readonly ok: true; readonly checkpoint: AuditCheckpoint; readonly trust: CheckpointTrust }
  | { readonly ok: false; readonly error: string; readonly reason?: string };

function checkEnvelope(
  text: string,
  json: Record<string, unknown>,
  bundle: VerifierBundle | undefined,
): CheckpointFile {
  const envelope = SignedEnvelopeSchema.safeParse(json);
  if (!envelope.success) return { ok: false, error: 'checkpoint_malformed', reason: 'envelope' };
  const bytes = fromBase64(envelope.data.body);
  const parsed = bytes === undefined ? undefined : parseCheckpoint(bytes);
  if (bytes === undefined || parsed === undefined || !parsed.ok) {
    return { ok: false, error: 'checkpoint_malformed', reason: 'body' };
  }
  const checkpoint = parsed.checkpoint;
  if (bundle !== undefined) {
    const at = parseRfc3339(checkpoint.at);
    const nowS = at.ok ? Math.floor(at.instantMs / 1000) : 0;
    const verified = verifyKvEnvelope(text, bundle, nowS);
    if (!verified.ok) {
      const reason =
        verified.error.tag === 'envelope_malformed' ? undefined : verified.error.reason;
      return {
        ok: false,
        error: 'checkpoint_bad_signature',
        ...(reason === undefined ? {} : { reason }),
      };
    }
    return { ok: true, checkpoint, trust: 'verified' };
  }
  const credential = decodeCredential(envelope.data.cred);
  if (!credential.ok)
    return { ok: false, error: 'checkpoint_bad_signature', reason: credential.error.tag };
  const checked = verifyCheckpoint(
    credential.value.claims.subject_pubkey,
    bytes,
    envelope.data.sig,
  );
  if (!checked.ok)
    return { ok: false, error: 'checkpoint_bad_signature', reason: checked.error.tag };
  return { ok: true, checkpoint, trust: 'key_only' };
}

/** Reads and checks a checkpoint file. A missing or unreadable file throws `UsageError`. */
export function readCheckpointFile(
  io: CliIo,
  path: string,
  bundle: VerifierBundle | undefined,
): CheckpointFile {
  const text = readUserFile(io, path, 'checkpoint file').trim();
  const json = parseJsonText(text);
  if (
    !json.ok ||
    typeof json.value !== 'object' ||
    json.value === null ||
    Array.isArray(json.value)
  ) {
    return { ok: false, error: 'checkpoint_malformed', reason: 'not_json_object' };
  }
  const record = json.value as Record<string, unknown>;
  if ('body' in record) return checkEnvelope(text, record, bundle);
  const bare = CheckpointSchema.safeParse(record);
  if (!bare.success) return { ok: false, error: 'checkpoint_malformed', reason: 'fields' };
  const canonical = parseCheckpoint(utf8(JSON.stringify(bare.data)));
  if (!canonical.ok)
    return { ok: false, error: 'checkpoint_malformed', reason: canonical.error.problem };
  return { ok: true, checkpoint: canonical.checkpoint, trust: 'unsigned' };
}

/** Reads a fed-trust bundle file (`--bundle`); a bad file throws `UsageError`. */
export function readBundleFile(io: CliIo, path: string): VerifierBundle {
  const json = parseJsonText(readUserFile(io, path, 'bundle file'));
  if (!json.ok) throw new UsageError(`bundle file ${JSON.stringify(path)} is not JSON`);
  const bundle = parseTrustBundle(json.value);
  if (!bundle.ok) {
    throw new UsageError(
      `bundle file ${JSON.stringify(path)} is not a fed-trust bundle: ${bundle.error.issues.join('; ')}`,
    );
  }
  return toVerifierBundle(bundle.value);
}
