import { afterAll, expect, it } from 'vitest';
import { verifyChain } from '../../packages/core/src/chain.js';
import { issueCredential } from '../../packages/core/src/credential-issue.js';
import {
  verifyCredentialHeader,
  type VerifierBundle,
} from '../../packages/core/src/credential-verify.js';
import type { Claims } from '../../packages/core/src/credential.js';
import { publicKeyFromSeed, signEd25519 } from '../../packages/core/src/ed25519.js';
import {
  renewPopMessage,
  signRenewPop,
  verifyRenewPop,
} from '../../packages/core/src/renew-pop.js';
import { hex, loadVectors, type VectorCase } from './vectors.js';

const v = loadVectors('credentials.json');
afterAll(() => v.assertAllRan());

type BundleJson = {
  trust_domain: string;
  keys: { issuer_id: string; public_key: string }[];
};

function toHexString(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function bundleOf(json: BundleJson): VerifierBundle {
  return {
    trustDomain: json.trust_domain,
    keys: new Map(json.keys.map((k) => [k.issuer_id, hex(k.public_key)])),
  };
}

function claimsJson(claims: Claims): Record<string, unknown> {
  return { ...claims, subject_pubkey: toHexString(claims.subject_pubkey) };
}

type Outcome = { ok: true; value: Claims } | { ok: false; error: { tag: string } };

/** Compares a verification outcome with `{ok: claims}` or `{error: tag, ...details}`. */
function expectOutcome(outcome: Outcome, expected: Record<string, unknown>): void {
  if ('ok' in expected) {
    expect(outcome.ok ? claimsJson(outcome.value) : outcome.error).toEqual(expected.ok);
    return;
  }
  expect(outcome.ok, 'expected an error').toBe(false);
  if (outcome.ok) return;
  const error = outcome.error as Record<string, unknown>;
  expect(error.tag).toBe(expected.error);
  for (const [key, value] of Object.entries(expected)) {
    if (key !== 'error') expect(error[key], `detail ${key}`).toEqual(value);
  }
  // An error without `link` in the vector is not a link failure.
  if (!('link' in expected)) expect(error.link).toBeUndefined();
}

function runCase(c: VectorCase): void {
  const exp = c.expect as Record<string, unknown>;
  switch (String(c.kind)) {
    case 'public_key': {
      expect(toHexString(publicKeyFromSeed(hex(c.seed as string)))).toBe(exp.public_key);
      break;
    }
    case 'issue': {
      const issued = issueCredential({
        issuerSeed: hex(c.issuer_seed as string),
        issuerId: c.issuer_id as string,
        trustDomain: c.trust_domain as string,
        subjectAgentId: c.subject_agent_id as string,
        subjectPubkey: hex(c.subject_pubkey as string),
        nowS: c.now as number,
        ttlS: c.ttl_s as number,
      });
      if (!issued.ok) throw new Error(`issue failed: ${issued.error.tag}`);
      const out = issued.value;
      expect(claimsJson(out.claims)).toEqual(exp.claims);
      expect(toHexString(out.claimBytes)).toBe(exp.claims_hex);
      expect(toHexString(out.signature)).toBe(exp.signature);
      expect(toHexString(out.envelope)).toBe(exp.envelope);
      expect(out.header).toBe(exp.header);
      expect(out.credentialId).toBe(exp.credential_id);
      break;
    }
    case 'verify': {
      const outcome = verifyCredentialHeader(
        c.header as string,
        bundleOf(c.bundle as BundleJson),
        c.now as number,
      );
      expectOutcome(outcome, exp);
      break;
    }
    case 'verify_chain': {
      const outcome = verifyChain({
        leaf: c.header as string,
        chain: c.chain as string | null,
        bundle: bundleOf(c.bundle as BundleJson),
        nowS: c.now as number,
      });
      expectOutcome(outcome, exp);
      break;
    }
    case 'renew_pop': {
      const input = {
        credential: c.credential as string,
        newPublicKey: c.new_public_key as string,
        nonce: c.nonce as string,
        ts: c.ts as number,
      };
      const seed = hex(c.subject_seed as string);
      const message = renewPopMessage(input);
      expect(Buffer.from(message).toString('utf8')).toBe(exp.message);
      expect(toHexString(message)).toBe(exp.message_hex);
      expect(toHexString(signEd25519(seed, message))).toBe(exp.signature);
      expect(signRenewPop(seed, input)).toBe(exp.pop);
      const publicKey = publicKeyFromSeed(seed);
      expect(toHexString(publicKey)).toBe(exp.subject_public_key);
      expect(verifyRenewPop(publicKey, input, exp.pop as string)).toEqual({ ok: true });
      break;
    }
    default:
      throw new Error(`unknown case kind ${String(c.kind)}`);
  }
}

it.each(v.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  runCase(c);
  v.ran(c.name);
});
