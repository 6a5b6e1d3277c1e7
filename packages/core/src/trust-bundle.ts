import { z } from 'zod';
import { fromBase64 } from './bytes.js';
import { checkAgentId } from './agent-id.js';
import type { VerifierBundle } from './credential-verify.js';
import { ED25519_PUBLIC_KEY_BYTES } from './ed25519.js';
import { isEd25519Point } from './ed25519-point.js';

/**
 * The `fed-trust` / `bundle` JSON model (identity.md, Trust bundle) and its conversion to the
 * verifier's key map and to the ai-memory directory form (`<issuer_id>.pub`, 32 raw bytes).
 * Rotation transitions live in `trust-bundle-rotation.ts`.
 */

/** Key states: the issuer signs only with `active`; verifiers accept all three. */
export const TrustKeyState = { active: 'active', next: 'next', retired: 'retired' } as const;
/** A key's state in the bundle. */
export type TrustKeyState = (typeof TrustKeyState)[keyof typeof TrustKeyState];

/** True when `id` is an agent id without `/` (bundle files are a flat directory). */
export function isValidIssuerId(id: string): boolean {
  return checkAgentId(id).ok && !id.includes('/');
}

/** True when `text` is standard padded base64 of a 32-byte Ed25519 curve point. */
function isPublicKeyText(text: string): boolean {
  const bytes = fromBase64(text);
  return bytes?.byteLength === ED25519_PUBLIC_KEY_BYTES && isEd25519Point(bytes);
}

const TrustKeySchema = z.object({
  issuer_id: z.string().refine(isValidIssuerId, 'issuer_id must be a slash-free agent id'),
  public_key: z
    .string()
    .refine(isPublicKeyText, 'public_key must be standard base64 of a 32-byte Ed25519 key'),
  state: z.enum([TrustKeyState.active, TrustKeyState.next, TrustKeyState.retired]),
  added_at: z.iso.datetime({ offset: true }),
});

/**
 * Schema of the bundle JSON. Unknown fields are dropped (not refused) so that verifiers keep
 * working while a newer issuer adds fields. Invariants: issuer ids unique, at most one `active`
 * and at most one `next` key. `trust_domain` `''` means unscoped, as in the reference.
 */
export const TrustBundleSchema = z
  .object({
    trust_domain: z.string(),
    sequence: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    refresh_hint_s: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    keys: z.array(TrustKeySchema),
  })
  .superRefine((bundle, ctx) => {
    const ids = bundle.keys.map((k) => k.issuer_id);
    if (new Set(ids).size !== ids.length) {
      ctx.addIssue({ code: 'custom', path: ['keys'], message: 'issuer ids must be unique' });
    }
    for (const state of [TrustKeyState.active, TrustKeyState.next]) {
      if (bundle.keys.filter((k) => k.state === state).length > 1) {
        ctx.addIssue({ code: 'custom', path: ['keys'], message: `at most one ${state} key` });
      }
    }
  });

/** One key of a trust bundle. */
export type TrustKey = {
  readonly issuer_id: string;
  /** Standard padded base64 of the 32 raw key bytes. */
  readonly public_key: string;
  readonly state: TrustKeyState;
  /** RFC 3339 time the key entered the bundle. */
  readonly added_at: string;
};

/** The trust bundle JSON model. */
export type TrustBundle = {
  readonly trust_domain: string;
  readonly sequence: number;
  readonly refresh_hint_s: number;
  readonly keys: readonly TrustKey[];
};

/** Result of {@link parseTrustBundle}. */
export type TrustBundleParse =
  | { readonly ok: true; readonly value: TrustBundle }
  | {
      readonly ok: false;
      readonly error: { readonly tag: 'trust_bundle_invalid'; readonly issues: readonly string[] };
    };

/**
 * Validates a parsed JSON value as a trust bundle (see {@link TrustBundleSchema}).
 * Output: the bundle, or `trust_bundle_invalid` with one `path: message` line per issue.
 * Never throws.
 */
export function parseTrustBundle(json: unknown): TrustBundleParse {
  const parsed = TrustBundleSchema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    error: {
      tag: 'trust_bundle_invalid',
      issues: parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`),
    },
  };
}

/**
 * The verifier's key map: every key, whatever its state (retired keys keep verifying until the
 * credentials they signed expire). Keys that do not decode are left out (the schema refuses
 * them, so this only matters for a bundle built by hand).
 */
export function toVerifierBundle(bundle: TrustBundle): VerifierBundle {
  const keys = new Map<string, Uint8Array>();
  for (const key of bundle.keys) {
    const bytes = fromBase64(key.public_key);
    if (bytes?.byteLength === ED25519_PUBLIC_KEY_BYTES) keys.set(key.issuer_id, bytes);
  }
  return { trustDomain: bundle.trust_domain, keys };
}

/** A file of the ai-memory bundle directory. */
export type BundleFile = { readonly name: string; readonly bytes: Uint8Array };

/** The ai-memory directory form: one `<issuer_id>.pub` of 32 raw bytes per key, in bundle order. */
export function bundleDirectoryFiles(bundle: TrustBundle): BundleFile[] {
  const files: BundleFile[] = [];
  for (const [issuerId, bytes] of toVerifierBundle(bundle).keys) {
    files.push({ name: `${issuerId}.pub`, bytes });
  }
  return files;
}

/** Why a `.pub` file of a bundle directory was skipped. */
export type SkippedBundleFile = {
  readonly name: string;
  readonly reason: 'bad_issuer_id' | 'wrong_length' | 'not_a_curve_point';
};

/**
 * Reads the ai-memory directory form (reference §2.6): files not ending in `.pub` are ignored;
 * a `.pub` whose stem is not a slash-free agent id, whose length is not 32 or which is not a
 * curve point is skipped and reported (one bad key never denies the others). When two files
 * name the same issuer (impossible in a real directory) the first wins and the later one is
 * reported as `bad_issuer_id`. Pure; never throws.
 */
export function bundleFromDirectoryFiles(
  files: readonly BundleFile[],
  trustDomain: string,
): { readonly bundle: VerifierBundle; readonly skipped: readonly SkippedBundleFile[] } {
  const keys = new Map<string, Uint8Array>();
  const skipped: SkippedBundleFile[] = [];
  for (const file of files) {
    if (!file.name.endsWith('.pub')) continue;
    const issuerId = file.name.slice(0, -'.pub'.length);
    if (!isValidIssuerId(issuerId) || keys.has(issuerId)) {
      skipped.push({ name: file.name, reason: 'bad_issuer_id' });
    } else if (file.bytes.byteLength !== ED25519_PUBLIC_KEY_BYTES) {
      skipped.push({ name: file.name, reason: 'wrong_length' });
    } else if (!isEd25519Point(file.bytes)) {
      skipped.push({ name: file.name, reason: 'not_a_curve_point' });
    } else {
      keys.set(issuerId, file.bytes.slice());
    }
  }
  return { bundle: { trustDomain, keys }, skipped };
}
