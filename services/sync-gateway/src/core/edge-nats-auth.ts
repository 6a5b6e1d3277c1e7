import { decodeCredential, parseEd25519Header, toBase64 } from '@fedplane/core';

/**
 * The bus form of the request authentication (`fed.sync.<node>.push|since`, bus.md): a request
 * is signed like every bus message, `Fed-Signature` over the exact body bytes with
 * `Fed-Credential` (+ `Fed-Credential-Chain`). There is no peer-id header: the claimed peer is the
 * credential's subject, which the verification then binds. There is no nonce header either: a
 * push's replay key is its signature (Ed25519 is deterministic, so a resent identical body has
 * the same one), remembered like a nonce and bounded by `sender_wall_clock`.
 */

/** The subject a `Fed-Credential` value claims (unverified), or `undefined` when it does not parse. */
export function claimedSubject(credential: string | undefined): string | undefined {
  if (credential === undefined) return undefined;
  const decoded = decodeCredential(credential);
  return decoded.ok ? decoded.value.claims.subject_agent_id : undefined;
}

/**
 * The replay key of a bus request: `sig:` + the canonical base64 of the 64 signature bytes, so
 * the same signature in a differently spelled header (spaces, `; key=value` parameters) is the
 * same key. `undefined` when the header is absent or does not parse (the signature check refuses
 * those before the replay gate runs).
 */
export function signatureReplayToken(signature: string | undefined): string | undefined {
  const parsed = parseEd25519Header(signature);
  return parsed.ok ? `sig:${toBase64(parsed.value)}` : undefined;
}
