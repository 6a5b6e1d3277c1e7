import { randomBytes } from 'node:crypto';
import {
  AppError,
  AttestRequestSchema,
  BundleRequestSchema,
  ErrorCode,
  RenewRequestSchema,
  constantTimeEqual,
  createTrustBundle,
  fromBase64,
  issueCredential,
  publicKeyFromSeed,
  sha256,
  toVerifierBundle,
  utf8,
  verifyChain,
  verifyRenewPop,
  type CredentialReply,
  type IssuedCredential,
  type TrustBundle,
  type VerifierBundle,
} from '@fedplane/core';
import {
  BucketName,
  FixedSubject,
  KvKey,
  addServiceEndpoints,
  defineEndpoint,
  ensureKv,
  fedBuckets,
  seedIssuerSigner,
  type IssuerSigner,
  type Log,
} from '@fedplane/messaging';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * A small, real issuer for integration tests while the issuer service does not exist: it serves
 * `fed.issuer.attest` (service attestation with a known secret; join tokens optional),
 * `fed.issuer.renew` (proof of possession, core `verifyRenewPop`) and `fed.issuer.bundle` through
 * the messaging endpoints on a real NATS server, mints credentials with core `issueCredential`,
 * and keeps the `fed-trust` / `bundle` KV value current. Test scaffolding, not a mock: every
 * message goes through nats-server.
 */

/** Default service bootstrap secret the test issuer accepts. */
export const TEST_SERVICE_SECRET = 'test-service-secret-0123456789abcdef';

/** Options of {@link startTestIssuer}. */
export type TestIssuerOptions = {
  /** Connection to serve on (the issuer does not close it). */
  readonly nc: NatsConnection;
  /** Trust domain of the bundle and every credential (default `fleet.test`). */
  readonly trustDomain?: string;
  /** Issuer id of the signing key (default `root`). */
  readonly issuerId?: string;
  /** 32-byte issuer seed (default: random). */
  readonly issuerSeed?: Uint8Array;
  /** Service bootstrap secret accepted by attest (default {@link TEST_SERVICE_SECRET}). */
  readonly serviceSecret?: string;
  /** TTL of issued credentials in seconds (default 3600). */
  readonly ttlS?: number;
  /** One-time join tokens: token → node id allowed to attest with it. */
  readonly joinTokens?: Readonly<Record<string, string>>;
  /** Write the bundle into KV `fed-trust` / `bundle` (default true; the bucket is ensured). */
  readonly publishBundle?: boolean;
  /** Logger of the endpoints (default: silent). */
  readonly log?: Log;
};

/** Calls served, by kind. */
export type TestIssuerCounts = { attest: number; renew: number; bundle: number; refused: number };

/** A running test issuer. */
export type TestIssuer = {
  readonly issuerId: string;
  readonly trustDomain: string;
  /** The issuer seed (tests sign issuer events or forge credentials with it). */
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly counts: TestIssuerCounts;
  /** The current bundle JSON model. */
  bundle(): TrustBundle;
  /** The current bundle as verifiers use it. */
  verifier(): VerifierBundle;
  /** Mints a credential for `subject` with this issuer's key (`nowS` default: now). */
  issue(
    subject: string,
    publicKey: Uint8Array,
    options?: { readonly ttlS?: number; readonly nowS?: number },
  ): IssuedCredential;
  /** A signer for events the issuer signs with its own key (`Fed-Issuer`). */
  signer(): IssuerSigner;
  /** Replaces the bundle (its `sequence` must grow for watchers to take it) and re-publishes it. */
  setBundle(bundle: TrustBundle): Promise<void>;
  /** Stops serving (the KV value stays). */
  stop(): Promise<void>;
  /** Serves again after {@link TestIssuer.stop}. */
  start(): Promise<void>;
};

const SILENT: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Starts a test issuer on `options.nc` and (by default) publishes its bundle to `fed-trust`. */
export async function startTestIssuer(options: TestIssuerOptions): Promise<TestIssuer> {
  const { nc } = options;
  const trustDomain = options.trustDomain ?? 'fleet.test';
  const issuerId = options.issuerId ?? 'root';
  const seed = options.issuerSeed ?? new Uint8Array(randomBytes(32));
  const publicKey = publicKeyFromSeed(seed);
  const ttlS = options.ttlS ?? 3600;
  const log = options.log ?? SILENT;
  const secretHash = sha256(utf8(options.serviceSecret ?? TEST_SERVICE_SECRET));
  const joinTokens = new Map(Object.entries(options.joinTokens ?? {}));
  const created = createTrustBundle(
    { trustDomain, refreshHintS: 60, issuerId, publicKey },
    Date.now(),
  );
  if (!created.ok) throw new Error(`test issuer bundle: ${created.error.tag}`);
  let bundle = created.value;
  let verifier = toVerifierBundle(bundle);
  const nonces = new Set<string>();
  const counts: TestIssuerCounts = { attest: 0, renew: 0, bundle: 0, refused: 0 };

  const jsm = await jetstreamManager(nc);
  const publish = options.publishBundle ?? true;
  if (publish) {
    await ensureKv(
      jsm,
      fedBuckets().filter((b) => b.bucket === BucketName.trust),
    );
  }
  const putBundle = async (): Promise<void> => {
    if (!publish) return;
    const kv = await new Kvm(nc).open(BucketName.trust);
    await kv.put(KvKey.bundle, JSON.stringify(bundle));
  };

  const refuse = (code: ErrorCode, reason: string): never => {
    counts.refused += 1;
    throw new AppError(code, 'refused', { details: { reason } });
  };
  const issue = (
    subject: string,
    key: Uint8Array,
    opts: { readonly ttlS?: number; readonly nowS?: number } = {},
  ): IssuedCredential => {
    const issued = issueCredential({
      issuerSeed: seed,
      issuerId,
      trustDomain,
      subjectAgentId: subject,
      subjectPubkey: key,
      nowS: opts.nowS ?? nowSeconds(),
      ttlS: opts.ttlS ?? ttlS,
    });
    if (!issued.ok) return refuse(ErrorCode.BAD_REQUEST, issued.error.tag);
    return issued.value;
  };
  const reply = (subject: string, key: Uint8Array): CredentialReply => {
    const issued = issue(subject, key);
    return { credential: issued.header, not_after: issued.claims.not_after };
  };

  const attest = defineEndpoint({
    subject: FixedSubject.issuerAttest,
    schema: AttestRequestSchema,
    handler: (req) => {
      const { attestation } = req;
      if (attestation.type === 'service') {
        if (!constantTimeEqual(sha256(utf8(attestation.secret)), secretHash)) {
          return refuse(ErrorCode.UNAUTHENTICATED, 'attestation_failed');
        }
      } else if (joinTokens.get(attestation.token) === req.node_id) {
        joinTokens.delete(attestation.token);
      } else {
        return refuse(ErrorCode.UNAUTHENTICATED, 'join_token_invalid');
      }
      const key = fromBase64(req.public_key);
      if (key === undefined) return refuse(ErrorCode.BAD_REQUEST, 'public_key_invalid');
      counts.attest += 1;
      return Promise.resolve(reply(req.node_id, key));
    },
  });
  const renew = defineEndpoint({
    subject: FixedSubject.issuerRenew,
    schema: RenewRequestSchema,
    handler: (req) => {
      const now = nowSeconds();
      const verified = verifyChain({
        leaf: req.credential,
        chain: req.chain,
        bundle: verifier,
        nowS: now,
      });
      if (!verified.ok) return refuse(ErrorCode.UNAUTHENTICATED, verified.error.tag);
      const pop = verifyRenewPop(
        verified.value.subject_pubkey,
        {
          credential: req.credential,
          newPublicKey: req.new_public_key ?? '',
          nonce: req.nonce,
          ts: req.ts,
        },
        req.pop,
      );
      if (!pop.ok) return refuse(ErrorCode.UNAUTHENTICATED, pop.error.tag);
      if (Math.abs(req.ts - now) > 60) return refuse(ErrorCode.UNAUTHENTICATED, 'renew_ts_skew');
      if (nonces.has(req.nonce)) return refuse(ErrorCode.CONFLICT, 'renew_nonce_replayed');
      nonces.add(req.nonce);
      counts.renew += 1;
      const nextKey =
        req.new_public_key === undefined
          ? verified.value.subject_pubkey
          : (fromBase64(req.new_public_key) ?? verified.value.subject_pubkey);
      return Promise.resolve(reply(verified.value.subject_agent_id, nextKey));
    },
  });
  const bundleEndpoint = defineEndpoint({
    subject: FixedSubject.issuerBundle,
    schema: BundleRequestSchema,
    handler: () => {
      counts.bundle += 1;
      return Promise.resolve(bundle);
    },
  });

  type Running = Awaited<ReturnType<typeof addServiceEndpoints>>;
  let service: Running | undefined;
  const start = async (): Promise<void> => {
    if (service !== undefined) return;
    service = await addServiceEndpoints(nc, {
      name: 'issuer',
      version: '0.0.1',
      description: 'test issuer',
      log,
      endpoints: [attest, renew, bundleEndpoint],
    });
  };
  await putBundle();
  await start();

  return {
    issuerId,
    trustDomain,
    seed,
    publicKey,
    counts,
    bundle: () => bundle,
    verifier: () => verifier,
    issue,
    signer: () => seedIssuerSigner({ issuerId, seed }),
    setBundle: async (next) => {
      bundle = next;
      verifier = toVerifierBundle(next);
      await putBundle();
    },
    stop: async () => {
      const running = service;
      service = undefined;
      await running?.stop();
    },
    start,
  };
}
