import {
  AppError,
  ErrorCode,
  PostureSchema,
  fromUtf8,
  parseJsonText,
  utf8,
  type Posture,
  type VerifierBundle,
} from '@fedplane/core';
import type { KV, KvEntry, RoKV } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/nats-core';
import { createIfAbsent, updateIfRevision, type CasResult } from './kv-cas.js';
import { signKvEnvelope, verifyKvEnvelope, type KvEnvelopeError } from './kv-envelope.js';
import type { Log } from './log.js';
import { schemaIssues } from './schema.js';
import type { CredentialSigner } from './signer.js';
import { KvKey } from './streams.js';

/**
 * The live signed enforcement posture in `fed-enforcement` / `posture` (bus.md, reconciler.md).
 *
 * Rules of the reader ({@link watchPosture}):
 * - every value is a signed KV envelope, verified against the *live* trust bundle at the time it
 *   is seen, and must be signed by a `svc/reconciler/<instance>` identity;
 * - a value that fails (shape, signature, credential, signer, body schema) is ignored: the last
 *   valid posture stays and a warning is logged once per KV revision. A refused value is tried
 *   again when the trust bundle changes (a rotation the reader learned late);
 * - a valid value whose posture `revision` is lower than the held one is a replay and is ignored
 *   (an equal one is accepted: the writer re-signs an unchanged posture before its credential
 *   expires);
 * - a delete or purge is unsigned, so it cannot loosen anything: it is ignored as well;
 * - no valid value ever seen ⇒ `posture: undefined`, which callers treat as permissive.
 */

/** Prefix of the identities allowed to sign the posture. */
export const POSTURE_SIGNER_PREFIX = 'svc/reconciler/';

/** What a reader sees of the posture. */
export type PostureView = {
  /** The last valid posture, or `undefined` (permissive) when none was ever seen. */
  readonly posture: Posture | undefined;
  /** KV revision of the entry `posture` was read from (0 when none). */
  readonly kvRevision: number;
  /** Credential subject that signed `posture`. */
  readonly signer?: string;
  /**
   * `not_after` (Unix seconds) of the credential that signed `posture`: after it, a reader that
   * starts fresh can no longer verify the value, so the writer re-signs before then.
   */
  readonly signerNotAfter?: number;
  /**
   * KV revision of the latest entry of the key, valid or not, deletes included (0 when the key
   * was never written): the revision a writer's compare-and-set must name.
   */
  readonly latestKvRevision: number;
};

/** Options of {@link watchPosture}. */
export type PostureWatchOptions = {
  /** The live trust bundle (a `TrustWatch` fits). */
  readonly trust: { current(): VerifierBundle | undefined };
  readonly clock: { nowMs(): number };
  readonly log: Log;
  /** Delay before re-watching after the watch ends unexpectedly (default 1 000 ms). */
  readonly rewatchDelayMs?: number;
};

/** A running posture watch. */
export type PostureWatch = {
  /** The current view (never blocks). */
  current(): PostureView;
  /**
   * Calls `fn` with the new view each time the accepted posture or the latest revision changes.
   * Returns the unsubscribe function. Exceptions of `fn` are logged, never propagated.
   */
  onChange(fn: (view: PostureView) => void): () => void;
  /** Resolves once the initial read is done (found or absent); never rejects. */
  readonly ready: Promise<void>;
  /** Stops watching (idempotent); the last view stays readable. */
  stop(): Promise<void>;
};

/** Why one posture value was refused. */
export type PostureRefusal =
  | KvEnvelopeError
  | { readonly tag: 'no_trust_bundle' }
  | { readonly tag: 'signer_not_reconciler'; readonly signer: string }
  | { readonly tag: 'body_invalid'; readonly issues: readonly string[] }
  | { readonly tag: 'revision_replayed'; readonly revision: number; readonly held: number };

/** Result of {@link verifyPostureValue}. */
export type PostureVerification =
  | {
      readonly ok: true;
      readonly posture: Posture;
      readonly signer: string;
      /** The signing credential's `not_after`, Unix seconds. */
      readonly signerNotAfter: number;
    }
  | { readonly ok: false; readonly refusal: PostureRefusal };

/**
 * Verifies one `posture` value: envelope signature + credential against `bundle` at `nowS`, a
 * `svc/reconciler/*` signer, and a body that parses as {@link Posture}. Never throws.
 */
export function verifyPostureValue(
  value: Uint8Array | string,
  bundle: VerifierBundle | undefined,
  nowS: number,
): PostureVerification {
  if (bundle === undefined) return { ok: false, refusal: { tag: 'no_trust_bundle' } };
  const verified = verifyKvEnvelope(value, bundle, nowS);
  if (!verified.ok) return { ok: false, refusal: verified.error };
  if (!verified.signer.startsWith(POSTURE_SIGNER_PREFIX)) {
    return { ok: false, refusal: { tag: 'signer_not_reconciler', signer: verified.signer } };
  }
  const text = fromUtf8(verified.body);
  const json = text === undefined ? undefined : parseJsonText(text);
  if (json === undefined || !json.ok) {
    return { ok: false, refusal: { tag: 'body_invalid', issues: ['body is not UTF-8 JSON'] } };
  }
  const parsed = PostureSchema.safeParse(json.value);
  if (!parsed.success) {
    const issues = schemaIssues(parsed.error).map((i) => `${i.path}: ${i.message}`);
    return { ok: false, refusal: { tag: 'body_invalid', issues } };
  }
  return {
    ok: true,
    posture: parsed.data,
    signer: verified.signer,
    signerNotAfter: verified.claims.not_after,
  };
}

type Accepted = {
  readonly posture: Posture;
  readonly revision: number;
  readonly signer: string;
  readonly signerNotAfter: number;
};
type Refused = { readonly entry: KvEntry; readonly triedWith: VerifierBundle | undefined };

/**
 * Starts watching `kv` (the `fed-enforcement` bucket) for key `posture`. Returns at once; the
 * view is permissive until a valid value is seen (await `ready` for the initial read).
 */
export function watchPosture(kv: RoKV, options: PostureWatchOptions): PostureWatch {
  const { log, trust, clock } = options;
  const rewatchDelayMs = options.rewatchDelayMs ?? 1_000;
  let accepted: Accepted | undefined;
  let refused: Refused | undefined;
  let latestRevision = 0;
  let stopped = false;
  let iterator: QueuedIterator<KvEntry> | undefined;
  const listeners = new Set<(view: PostureView) => void>();
  const loggedRevisions = new Set<number>();
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });

  const view = (): PostureView => ({
    posture: accepted?.posture,
    kvRevision: accepted?.revision ?? 0,
    ...(accepted === undefined
      ? {}
      : { signer: accepted.signer, signerNotAfter: accepted.signerNotAfter }),
    latestKvRevision: latestRevision,
  });

  const notify = (): void => {
    const current = view();
    for (const fn of [...listeners]) {
      try {
        fn(current);
      } catch (err) {
        log.error({ err }, 'posture change handler failed');
      }
    }
  };

  /** Verifies `entry`; true when it replaced the accepted posture. */
  const tryAccept = (entry: KvEntry): boolean => {
    const bundle = trust.current();
    const result = verifyPostureValue(entry.value, bundle, Math.floor(clock.nowMs() / 1000));
    let refusal: PostureRefusal | undefined = result.ok ? undefined : result.refusal;
    if (
      result.ok &&
      accepted !== undefined &&
      result.posture.revision < accepted.posture.revision
    ) {
      refusal = {
        tag: 'revision_replayed',
        revision: result.posture.revision,
        held: accepted.posture.revision,
      };
    }
    if (!result.ok || refusal !== undefined) {
      refused = refusal?.tag === 'revision_replayed' ? undefined : { entry, triedWith: bundle };
      if (!loggedRevisions.has(entry.revision)) {
        loggedRevisions.add(entry.revision);
        log.warn({ revision: entry.revision, refusal }, 'posture value refused, ignored');
      }
      return false;
    }
    refused = undefined;
    accepted = {
      posture: result.posture,
      revision: entry.revision,
      signer: result.signer,
      signerNotAfter: result.signerNotAfter,
    };
    log.info(
      {
        revision: entry.revision,
        require_sig: result.posture.require_sig,
        posture_revision: result.posture.revision,
        signer: result.signer,
      },
      'posture loaded',
    );
    return true;
  };

  const apply = (entry: KvEntry): void => {
    if (entry.key !== KvKey.posture) return;
    if (entry.revision <= latestRevision) return; // initial read and watch overlap
    latestRevision = entry.revision;
    if (entry.operation !== 'PUT') {
      log.warn({ revision: entry.revision, op: entry.operation }, 'posture deletion ignored');
      refused = undefined;
    } else {
      tryAccept(entry);
    }
    notify();
  };

  /** A refused latest value is tried again once the trust bundle has changed since. */
  const retryRefused = (): void => {
    if (refused === undefined || refused.triedWith === trust.current()) return;
    if (tryAccept(refused.entry)) notify();
  };

  const initialRead = async (): Promise<void> => {
    try {
      const entry = await kv.get(KvKey.posture);
      if (entry !== null) apply(entry);
    } catch (err) {
      log.warn({ err }, 'posture read failed');
    }
    resolveReady();
  };

  const watchLoop = async (): Promise<void> => {
    while (!stopped) {
      try {
        const it = await kv.watch({ key: KvKey.posture });
        iterator = it;
        if (stopped) it.stop();
        for await (const entry of it) apply(entry);
      } catch (err) {
        log.warn({ err }, 'posture watch failed');
      }
      if (stopped) return;
      log.warn({}, 'posture watch ended, restarting');
      await new Promise((resolve) => setTimeout(resolve, rewatchDelayMs));
    }
  };

  const loops = Promise.all([initialRead(), watchLoop()]);

  return {
    current: () => {
      retryRefused();
      return view();
    },
    onChange: (fn) => {
      listeners.add(fn);
      return () => {
        listeners.delete(fn);
      };
    },
    ready,
    stop: async () => {
      if (!stopped) {
        stopped = true;
        iterator?.stop();
        listeners.clear();
      }
      await loops;
    },
  };
}

/** Input of {@link writePosture}. */
export type WritePostureInput = {
  readonly posture: Posture;
  /** A `svc/reconciler/<instance>` credential signer. */
  readonly signer: CredentialSigner;
  /**
   * The KV revision the writer read (`PostureView.latestKvRevision`); 0 writes only when the key
   * has no live value.
   */
  readonly expectedKvRevision: number;
};

/**
 * Signs `posture` into a KV envelope and writes it with compare-and-set on
 * `expectedKvRevision`. A conflict (someone wrote first) is a value; a posture that fails the
 * schema or a signer outside `svc/reconciler/*` is a `BAD_REQUEST` and writes nothing.
 */
export async function writePosture(kv: KV, input: WritePostureInput): Promise<CasResult> {
  const parsed = PostureSchema.safeParse(input.posture);
  if (!parsed.success) {
    throw new AppError(ErrorCode.BAD_REQUEST, 'posture is invalid', {
      details: { issues: schemaIssues(parsed.error) },
    });
  }
  if (!input.signer.agentId.startsWith(POSTURE_SIGNER_PREFIX)) {
    throw new AppError(ErrorCode.BAD_REQUEST, 'posture signer must be a reconciler', {
      details: { signer: input.signer.agentId },
    });
  }
  const envelope = signKvEnvelope(utf8(JSON.stringify(parsed.data)), input.signer);
  return input.expectedKvRevision === 0
    ? createIfAbsent(kv, KvKey.posture, envelope)
    : updateIfRevision(kv, KvKey.posture, envelope, input.expectedKvRevision);
}
