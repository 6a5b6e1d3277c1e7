import {
  AppError,
  ErrorCode,
  decodeCredential,
  encodeChain,
  issueCredential,
  publicKeyFromSeed,
  toBase64,
  type CredentialReply,
  type IssuedCredential,
} from '@fedplane/core';
import type { OutboxEvent } from '../adapters/pg-outbox.js';
import {
  readIntermediate,
  writeIntermediate,
  type IntermediateRow,
} from '../adapters/pg-intermediates.js';
import type { Queryable } from '../adapters/pg-transaction.js';
import { chooseLeafSigner, intermediateIdFor, type SignerChoice } from '../core/signer-choice.js';
import { toSeconds, type IssuerDeps } from './issuer-deps.js';
import { credentialIssued } from './issuer-events.js';

/**
 * Signing credentials inside the caller's transaction: leaves (by the active root key or by the
 * region's intermediate, with the chain) and region intermediates. Every credential signed here
 * comes back with its `credential.issued` event, for the caller's outbox.
 */

/** A signed leaf, its chain, the reply to send, and the events to stage. */
export type MintedLeaf = {
  readonly issued: IssuedCredential;
  readonly reply: CredentialReply;
  readonly events: readonly OutboxEvent[];
};

function issueOrThrow(input: Parameters<typeof issueCredential>[0]): IssuedCredential {
  const result = issueCredential(input);
  if (result.ok) return result.value;
  throw new AppError(ErrorCode.BAD_REQUEST, 'credential cannot be issued', {
    details: { reason: result.error.tag },
  });
}

function envelopeOf(header: string): Uint8Array {
  const decoded = decodeCredential(header);
  if (!decoded.ok) throw new Error('stored intermediate credential does not decode');
  return decoded.value.envelope;
}

/**
 * Mints (or re-mints) the credential of `region/<region>/ca`, signed by the active root key
 * (TTL: the intermediate lifetime), with the key kept in the key directory. Writes the row.
 */
export async function mintIntermediate(
  deps: IssuerDeps,
  db: Queryable,
  input: { readonly region: string; readonly nowMs: number; readonly cause?: string },
): Promise<{
  readonly row: IntermediateRow;
  readonly issued: IssuedCredential;
  readonly events: OutboxEvent[];
}> {
  const issuerId = intermediateIdFor(input.region);
  const seed = await deps.keys.loadOrCreateIntermediate(issuerId);
  const root = await deps.trust.signingKey();
  const issued = issueOrThrow({
    issuerSeed: root.seed,
    issuerId: root.issuerId,
    trustDomain: deps.policy.trustDomain,
    subjectAgentId: issuerId,
    subjectPubkey: publicKeyFromSeed(seed),
    nowS: toSeconds(input.nowMs),
    ttlS: deps.policy.intermediateTtlS,
  });
  const row: IntermediateRow = {
    region: input.region,
    issuerId,
    publicKey: toBase64(issued.claims.subject_pubkey),
    credential: issued.header,
    credentialId: issued.credentialId,
    notAfter: issued.claims.not_after,
  };
  await writeIntermediate(db, row, input.nowMs);
  const event = deps.events.build(
    credentialIssued({
      claims: issued.claims,
      credentialId: issued.credentialId,
      via: 'intermediate',
      ...(input.cause === undefined ? {} : { cause: input.cause }),
    }),
  );
  return { row, issued, events: [event] };
}

/** Inputs of {@link mintLeaf}. */
export type LeafInput = {
  readonly nodeId: string;
  readonly region: string | null;
  readonly publicKey: Uint8Array;
  readonly ttlS: number;
  /** `not_after` of the identity's latest credential (the new one expires strictly later). */
  readonly lastNotAfter: number | null;
  readonly nowMs: number;
  readonly via: 'attest' | 'renew';
  readonly generation: number;
  readonly cause?: string;
};

function choose(
  deps: IssuerDeps,
  input: LeafInput,
  inter: IntermediateRow | undefined,
): SignerChoice {
  const verifier = deps.trust.verifier();
  const anchor = inter === undefined ? undefined : decodeCredential(inter.credential);
  const anchorKnown =
    anchor?.ok === true &&
    verifier !== undefined &&
    verifier.keys.has(anchor.value.claims.issuer_id);
  return chooseLeafSigner({
    nodeId: input.nodeId,
    region: input.region,
    intermediate:
      inter === undefined
        ? undefined
        : { issuerId: inter.issuerId, notAfter: inter.notAfter, anchorKnown },
    nowS: toSeconds(input.nowMs),
    ttlS: input.ttlS,
    lastNotAfter: input.lastNotAfter,
    intermediateTtlS: deps.policy.intermediateTtlS,
  });
}

/**
 * Signs a leaf for `nodeId`: by the region's intermediate when the node is inside its namespace
 * (re-minting the intermediate first when it would not cover the leaf), else by the active root
 * key. Returns the credential, the reply (`{credential, chain?, not_after}`) and the events.
 */
export async function mintLeaf(
  deps: IssuerDeps,
  db: Queryable,
  input: LeafInput,
): Promise<MintedLeaf> {
  const events: OutboxEvent[] = [];
  const region = input.region;
  let inter = region === null ? undefined : await readIntermediate(db, region, false);
  let choice = choose(deps, input, inter);
  if (choice.kind === 'remint_intermediate' && region !== null) {
    inter = await readIntermediate(db, region, true);
    choice = choose(deps, input, inter);
    if (choice.kind === 'remint_intermediate') {
      const minted = await mintIntermediate(deps, db, {
        region,
        nowMs: input.nowMs,
        ...(input.cause === undefined ? {} : { cause: input.cause }),
      });
      events.push(...minted.events);
      inter = minted.row;
      choice = choose(deps, input, inter);
    }
  }
  return signLeaf(deps, input, { choice, inter, events });
}

/**
 * Like {@link mintLeaf} but never writes: `undefined` when the region's intermediate would have
 * to be re-minted first (the caller then takes the transactional path). Reads the intermediate
 * through `db` without a lock.
 */
export async function mintLeafIfReady(
  deps: IssuerDeps,
  db: Queryable,
  input: LeafInput,
): Promise<MintedLeaf | undefined> {
  const inter = input.region === null ? undefined : await readIntermediate(db, input.region, false);
  const choice = choose(deps, input, inter);
  if (choice.kind === 'remint_intermediate') return undefined;
  return signLeaf(deps, input, { choice, inter, events: [] });
}

async function signLeaf(
  deps: IssuerDeps,
  input: LeafInput,
  chosen: {
    readonly choice: SignerChoice;
    readonly inter: IntermediateRow | undefined;
    readonly events: OutboxEvent[];
  },
): Promise<MintedLeaf> {
  const { choice, inter, events } = chosen;
  let signer: { issuerId: string; seed: Uint8Array };
  let chain: string | undefined;
  if (choice.kind === 'root' || inter === undefined) {
    signer = await deps.trust.signingKey();
  } else {
    const seed = await deps.keys.loadIntermediate(inter.issuerId);
    if (seed === undefined) {
      throw new AppError(ErrorCode.UNAVAILABLE, 'intermediate key file is missing', {
        details: { reason: 'issuer_missing_private_key', issuer_id: inter.issuerId },
      });
    }
    signer = { issuerId: inter.issuerId, seed };
    chain = encodeChain([envelopeOf(inter.credential)]);
  }
  const issued = issueOrThrow({
    issuerSeed: signer.seed,
    issuerId: signer.issuerId,
    trustDomain: deps.policy.trustDomain,
    subjectAgentId: input.nodeId,
    subjectPubkey: input.publicKey,
    nowS: toSeconds(input.nowMs),
    ttlS: choice.ttlS,
  });
  events.push(
    deps.events.build(
      credentialIssued({
        claims: issued.claims,
        credentialId: issued.credentialId,
        via: input.via,
        generation: input.generation,
        ...(input.cause === undefined ? {} : { cause: input.cause }),
      }),
    ),
  );
  const reply: CredentialReply = {
    credential: issued.header,
    ...(chain === undefined ? {} : { chain }),
    not_after: issued.claims.not_after,
  };
  return { issued, reply, events };
}
