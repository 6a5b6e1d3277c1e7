import { randomBytes } from 'node:crypto';
import {
  issueCredential,
  publicKeyFromSeed,
  type IssuedCredential,
  type NodeStatus,
} from '@fedplane/core';
import { seedCredentialSigner, type CredentialSigner } from '@fedplane/messaging';
import { insertOutbox } from '../adapters/pg-outbox.js';
import type { IssuerDeps } from './issuer-deps.js';
import { credentialIssued } from './issuer-events.js';

/**
 * The issuer instance's own identity `svc/issuer/<instance>` (every service has one; the issuer
 * cannot attest to itself over the bus, so it signs its own credential with the active key). A
 * fresh key in memory only, a credential of the leaf TTL re-signed at half-life, each one audited
 * by `credential.issued` through the outbox like every other issuance. Used to sign the
 * instance's status on `fed.status.svc.issuer.<instance>`.
 */

/** The identity of one issuer instance. */
export type IssuerIdentity = {
  /** Signs as `svc/issuer/<instance>`; `undefined` until the first credential. */
  signer(): CredentialSigner | undefined;
  /** The status body now; `undefined` until the first credential. */
  status(): NodeStatus | undefined;
  /** Signs a credential when none is held or half its lifetime passed; true when it did. */
  refresh(): Promise<boolean>;
};

type Held = {
  readonly issued: IssuedCredential;
  readonly signer: CredentialSigner;
  readonly renewedAtMs: number | null;
};

/** Creates the identity (nothing is signed before the first `refresh`). */
export function createIssuerIdentity(
  deps: IssuerDeps,
  input: { readonly actor: string; readonly version: string },
): IssuerIdentity {
  let held: Held | undefined;
  const nowS = (): number => Math.floor(deps.clock.nowMs() / 1000);

  const due = (): boolean => {
    if (held === undefined) return true;
    const { not_before: from, not_after: to } = held.issued.claims;
    return nowS() >= from + Math.floor((to - from) / 2);
  };

  return {
    signer: () => held?.signer,
    status: () => {
      if (held === undefined) return undefined;
      const { claims, credentialId } = held.issued;
      const now = nowS();
      return {
        node_id: input.actor,
        credential_id: credentialId,
        issuer_id: claims.issuer_id,
        not_before: claims.not_before,
        not_after: claims.not_after,
        can_sign: now >= claims.not_before && now <= claims.not_after,
        agent_version: input.version,
        last_renewal_at:
          held.renewedAtMs === null ? null : new Date(held.renewedAtMs).toISOString(),
        at: new Date(deps.clock.nowMs()).toISOString(),
      };
    },
    refresh: async () => {
      if (!due()) return false;
      const nowMs = deps.clock.nowMs();
      const root = await deps.trust.signingKey();
      const seed = new Uint8Array(randomBytes(32));
      const result = issueCredential({
        issuerSeed: root.seed,
        issuerId: root.issuerId,
        trustDomain: deps.policy.trustDomain,
        subjectAgentId: input.actor,
        subjectPubkey: publicKeyFromSeed(seed),
        nowS: Math.floor(nowMs / 1000),
        ttlS: deps.policy.leafTtlS,
      });
      if (!result.ok) throw new Error(`own credential not issued: ${result.error.tag}`);
      const issued = result.value;
      const event = deps.events.build(
        credentialIssued({
          claims: issued.claims,
          credentialId: issued.credentialId,
          via: held === undefined ? 'attest' : 'renew',
        }),
      );
      // Audited before it is used: the outbox row commits first, then the fast publish.
      await insertOutbox(deps.pool, [event], nowMs);
      deps.events.committed([event]);
      held = {
        issued,
        signer: seedCredentialSigner({
          agentId: input.actor,
          seed,
          credential: () => issued.header,
        }),
        renewedAtMs: held === undefined ? null : nowMs,
      };
      return true;
    },
  };
}
