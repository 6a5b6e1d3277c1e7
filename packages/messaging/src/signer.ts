import { signEd25519 } from '@fedplane/core';

/**
 * The signing port of this package: whoever publishes signed messages hands one of these in.
 * The key never leaves the signer; `credential()` and `chain()` are read at each publish, so a
 * renewed credential takes effect on the next message.
 */

/** A holder of a credential (a node or a service instance): signs with its subject key. */
export type CredentialSigner = {
  /** The credential's subject agent id (an event's `actor` must equal it). */
  readonly agentId: string;
  /** Ed25519 signature (64 bytes) over `bytes`. */
  sign(bytes: Uint8Array): Uint8Array;
  /** The current credential, `v1=<base64>`. */
  credential(): string;
  /** The current intermediates, `v1=<base64>`, or `undefined` when it holds none. */
  chain(): string | undefined;
};

/** The issuer signing with its own issuer key (messages carry `Fed-Issuer` instead of a credential). */
export type IssuerSigner = {
  /** The issuer id of the key in the trust bundle. */
  readonly issuerId: string;
  sign(bytes: Uint8Array): Uint8Array;
};

/** Either kind of signer. */
export type Signer = CredentialSigner | IssuerSigner;

/** True for an issuer signer. */
export function isIssuerSigner(signer: Signer): signer is IssuerSigner {
  return 'issuerId' in signer;
}

/** Input of {@link seedCredentialSigner}. */
export type SeedCredentialSignerInput = {
  readonly agentId: string;
  /** 32-byte Ed25519 seed of the credential's subject key. */
  readonly seed: Uint8Array;
  readonly credential: () => string;
  readonly chain?: () => string | undefined;
};

/** A {@link CredentialSigner} over an in-memory seed (the credential holder, tests). */
export function seedCredentialSigner(input: SeedCredentialSignerInput): CredentialSigner {
  const seed = input.seed.slice();
  const chain = input.chain ?? (() => undefined);
  return {
    agentId: input.agentId,
    sign: (bytes) => signEd25519(seed, bytes),
    credential: input.credential,
    chain,
  };
}

/** An {@link IssuerSigner} over an in-memory issuer seed. */
export function seedIssuerSigner(input: {
  readonly issuerId: string;
  readonly seed: Uint8Array;
}): IssuerSigner {
  const seed = input.seed.slice();
  return { issuerId: input.issuerId, sign: (bytes) => signEd25519(seed, bytes) };
}
