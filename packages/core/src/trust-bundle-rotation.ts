import { toBase64 } from './bytes.js';
import { ED25519_PUBLIC_KEY_BYTES } from './ed25519.js';
import { isEd25519Point } from './ed25519-point.js';
import { isValidIssuerId, type TrustBundle, type TrustKey } from './trust-bundle.js';

/**
 * Pure issuer-key rotation over the trust bundle (identity.md, publish-before-use): a new key
 * enters as `next`, becomes `active` only once every verifier has had `refresh_hint_s × 3` to
 * fetch it, and the old active key is kept as `retired` until the operator removes it after
 * every credential it signed has expired. Every transition bumps `sequence`; each returns a new
 * bundle. Invariants kept: issuer ids unique, at most one `active`, at most one `next`,
 * `sequence` strictly grows.
 */

/** Multiple of `refresh_hint_s` a `next` key must have been published before activation. */
export const ACTIVATION_REFRESH_MULTIPLE = 3;

/** Why a rotation step was refused. */
export type RotationError =
  | { readonly tag: 'trust_bundle_bad_issuer_id'; readonly issuer_id: string }
  | { readonly tag: 'trust_bundle_bad_public_key' }
  | { readonly tag: 'trust_bundle_issuer_exists'; readonly issuer_id: string }
  | { readonly tag: 'trust_bundle_next_exists'; readonly issuer_id: string }
  | { readonly tag: 'trust_bundle_no_next_key' }
  | { readonly tag: 'trust_bundle_too_early'; readonly ready_at_ms: number }
  | { readonly tag: 'trust_bundle_not_retired'; readonly issuer_id: string };

/** Result of a rotation step. */
export type RotationResult =
  | { readonly ok: true; readonly value: TrustBundle }
  | { readonly ok: false; readonly error: RotationError };

/** A key to add: slash-free issuer id and 32-byte public key. */
export type NewIssuerKey = { readonly issuerId: string; readonly publicKey: Uint8Array };

function checkNewKey(
  bundle: TrustBundle | undefined,
  key: NewIssuerKey,
): RotationError | undefined {
  if (!isValidIssuerId(key.issuerId))
    return { tag: 'trust_bundle_bad_issuer_id', issuer_id: key.issuerId };
  if (key.publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES || !isEd25519Point(key.publicKey)) {
    return { tag: 'trust_bundle_bad_public_key' };
  }
  if (bundle?.keys.some((k) => k.issuer_id === key.issuerId) === true) {
    return { tag: 'trust_bundle_issuer_exists', issuer_id: key.issuerId };
  }
  return undefined;
}

function trustKey(key: NewIssuerKey, state: TrustKey['state'], nowMs: number): TrustKey {
  return {
    issuer_id: key.issuerId,
    public_key: toBase64(key.publicKey),
    state,
    added_at: new Date(nowMs).toISOString(),
  };
}

/**
 * The first bundle of a fleet: one `active` key, `sequence` 1. Nothing has been signed yet, so
 * publish-before-use holds without a `next` phase.
 */
export function createTrustBundle(
  init: { readonly trustDomain: string; readonly refreshHintS: number } & NewIssuerKey,
  nowMs: number,
): RotationResult {
  if (!Number.isSafeInteger(init.refreshHintS) || init.refreshHintS < 1) {
    throw new RangeError('refreshHintS must be a positive integer');
  }
  const problem = checkNewKey(undefined, init);
  if (problem !== undefined) return { ok: false, error: problem };
  return {
    ok: true,
    value: {
      trust_domain: init.trustDomain,
      sequence: 1,
      refresh_hint_s: init.refreshHintS,
      keys: [trustKey(init, 'active', nowMs)],
    },
  };
}

/** Adds a `next` key (refused while another `next` exists or the issuer id is taken). */
export function addNextKey(bundle: TrustBundle, key: NewIssuerKey, nowMs: number): RotationResult {
  const problem = checkNewKey(bundle, key);
  if (problem !== undefined) return { ok: false, error: problem };
  const pending = bundle.keys.find((k) => k.state === 'next');
  if (pending !== undefined) {
    return { ok: false, error: { tag: 'trust_bundle_next_exists', issuer_id: pending.issuer_id } };
  }
  return {
    ok: true,
    value: {
      ...bundle,
      sequence: bundle.sequence + 1,
      keys: [...bundle.keys, trustKey(key, 'next', nowMs)],
    },
  };
}

/** When the `next` key may be activated (Unix ms), or `undefined` when there is none. */
export function nextActivationAtMs(bundle: TrustBundle): number | undefined {
  const pending = bundle.keys.find((k) => k.state === 'next');
  if (pending === undefined) return undefined;
  return Date.parse(pending.added_at) + bundle.refresh_hint_s * ACTIVATION_REFRESH_MULTIPLE * 1000;
}

/** True when a `next` key exists and has been published for at least `refresh_hint_s × 3`. */
export function canActivateNext(bundle: TrustBundle, nowMs: number): boolean {
  const readyAt = nextActivationAtMs(bundle);
  return readyAt !== undefined && nowMs >= readyAt;
}

/**
 * Promotes `next` to `active` and the old `active` (if any) to `retired`; `sequence` + 1.
 * Refused with `trust_bundle_no_next_key` or `trust_bundle_too_early {ready_at_ms}`.
 */
export function activateNext(bundle: TrustBundle, nowMs: number): RotationResult {
  const readyAt = nextActivationAtMs(bundle);
  if (readyAt === undefined) return { ok: false, error: { tag: 'trust_bundle_no_next_key' } };
  if (nowMs < readyAt)
    return { ok: false, error: { tag: 'trust_bundle_too_early', ready_at_ms: readyAt } };
  const keys = bundle.keys.map((k): TrustKey => {
    if (k.state === 'active') return { ...k, state: 'retired' };
    if (k.state === 'next') return { ...k, state: 'active' };
    return k;
  });
  return { ok: true, value: { ...bundle, sequence: bundle.sequence + 1, keys } };
}

/**
 * Removes a `retired` key; `sequence` + 1. The caller decides when: only after every credential
 * the key signed has expired (retirement time + the longest TTL it issued).
 */
export function removeRetiredKey(bundle: TrustBundle, issuerId: string): RotationResult {
  const key = bundle.keys.find((k) => k.issuer_id === issuerId);
  if (key?.state !== 'retired')
    return { ok: false, error: { tag: 'trust_bundle_not_retired', issuer_id: issuerId } };
  return {
    ok: true,
    value: { ...bundle, sequence: bundle.sequence + 1, keys: bundle.keys.filter((k) => k !== key) },
  };
}

/** The issuer id the issuer signs with (the `active` key), or `undefined` when none is active. */
export function signingKeyId(bundle: TrustBundle): string | undefined {
  return bundle.keys.find((k) => k.state === 'active')?.issuer_id;
}

/**
 * True when a watcher should swap `candidate` in: there is no current bundle, or the candidate's
 * `sequence` is strictly greater (sequence only grows; an older or equal one is ignored).
 */
export function isNewerBundle(current: TrustBundle | undefined, candidate: TrustBundle): boolean {
  return current === undefined || candidate.sequence > current.sequence;
}
