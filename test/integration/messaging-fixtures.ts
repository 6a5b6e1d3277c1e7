/** Shared fixtures of the messaging integration suites: a trust bundle, credentials, signers. */
import {
  createTrustBundle,
  encodeChain,
  issueCredential,
  publicKeyFromSeed,
  toVerifierBundle,
  type IssuedCredential,
  type TrustBundle,
} from '@fedplane/core';
import { seedCredentialSigner, seedIssuerSigner } from '@fedplane/messaging';

export const DOMAIN = 'fleet.example';
export const ROOT_SEED = new Uint8Array(32).fill(1);
export const NEXT_SEED = new Uint8Array(32).fill(2);
export const CA_SEED = new Uint8Array(32).fill(3);
export const NODE_SEED = new Uint8Array(32).fill(7);

export function nowS(): number {
  return Math.floor(Date.now() / 1000);
}

export function bundleV1(): TrustBundle {
  const created = createTrustBundle(
    {
      trustDomain: DOMAIN,
      refreshHintS: 60,
      issuerId: 'root',
      publicKey: publicKeyFromSeed(ROOT_SEED),
    },
    Date.now(),
  );
  if (!created.ok) throw new Error('bundle');
  return created.value;
}

/** The same bundle with a second key and a higher sequence. */
export function bundleWith(base: TrustBundle, sequence: number, extraIssuer?: string): TrustBundle {
  const keys = [...base.keys];
  if (extraIssuer !== undefined) {
    keys.push({
      issuer_id: extraIssuer,
      public_key: Buffer.from(publicKeyFromSeed(NEXT_SEED)).toString('base64'),
      state: 'next',
      added_at: new Date().toISOString(),
    });
  }
  return { ...base, sequence, keys };
}

export function issue(
  by: readonly [Uint8Array, string],
  subject: string,
  options: { readonly ttlS?: number; readonly nowS?: number } = {},
): IssuedCredential {
  const result = issueCredential({
    issuerSeed: by[0],
    issuerId: by[1],
    trustDomain: DOMAIN,
    subjectAgentId: subject,
    subjectPubkey: publicKeyFromSeed(NODE_SEED),
    nowS: options.nowS ?? nowS(),
    ttlS: options.ttlS ?? 3600,
  });
  if (!result.ok) throw new Error(result.error.tag);
  return result.value;
}

export const verifier = () => toVerifierBundle(bundleV1());

export function nodeSigner(agentId = 'region/nyc/node-1') {
  const credential = issue([ROOT_SEED, 'root'], agentId);
  return seedCredentialSigner({ agentId, seed: NODE_SEED, credential: () => credential.header });
}

export function chainedSigner(agentId = 'region/nyc/node-3') {
  const leaf = issue([CA_SEED, 'region/nyc/ca'], agentId);
  const caFixed = issueCredential({
    issuerSeed: ROOT_SEED,
    issuerId: 'root',
    trustDomain: DOMAIN,
    subjectAgentId: 'region/nyc/ca',
    subjectPubkey: publicKeyFromSeed(CA_SEED),
    nowS: nowS(),
    ttlS: 3600,
  });
  if (!caFixed.ok) throw new Error('ca');
  const chain = encodeChain([caFixed.value.envelope]);
  return seedCredentialSigner({
    agentId,
    seed: NODE_SEED,
    credential: () => leaf.header,
    chain: () => chain,
  });
}

export const issuerSigner = () => seedIssuerSigner({ issuerId: 'root', seed: ROOT_SEED });

/** A logger that records every call, for assertions on what was logged. */
export function recordingLog() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => {
    lines.push({ level, obj, msg });
  };
  return {
    lines,
    log: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') },
  };
}

/** Polls `check` every 50 ms until it returns true or `ms` pass. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 5_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
