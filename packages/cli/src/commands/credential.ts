import {
  credentialId,
  decodeCredential,
  parseJsonText,
  parseTrustBundle,
  toHex,
  toVerifierBundle,
  verifyChain,
  type Claims,
} from '@fedplane/core';
import {
  optionalInteger,
  optionalString,
  readUserFile,
  requirePositionals,
  requireString,
  type ParsedArgs,
} from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';

/** Claims as JSON: the seven claims with the subject key in lowercase hex. */
export function claimsJson(claims: Claims): Record<string, string | number> {
  return {
    cred_version: claims.cred_version,
    issuer_id: claims.issuer_id,
    not_after: claims.not_after,
    not_before: claims.not_before,
    subject_agent_id: claims.subject_agent_id,
    subject_pubkey: toHex(claims.subject_pubkey),
    trust_domain: claims.trust_domain,
  };
}

function iso(unixS: number): string {
  const ms = unixS * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15
    ? new Date(ms).toISOString()
    : String(unixS);
}

function claimsText(claims: Claims, id: string): string {
  return [
    `subject      ${claims.subject_agent_id}`,
    `issuer       ${claims.issuer_id}`,
    `trust domain ${claims.trust_domain}`,
    `valid        ${iso(claims.not_before)} .. ${iso(claims.not_after)}`,
    `subject key  ${toHex(claims.subject_pubkey)}`,
    `version      ${claims.cred_version}`,
    `id           ${id}`,
  ].join('\n');
}

function loadBundle(io: CliIo, path: string) {
  const text = readUserFile(io, path, 'bundle file');
  const json = parseJsonText(text);
  if (!json.ok) throw new UsageError(`bundle file ${JSON.stringify(path)} is not JSON`);
  const bundle = parseTrustBundle(json.value);
  if (!bundle.ok) {
    throw new UsageError(
      `bundle file ${JSON.stringify(path)} is not a fed-trust bundle: ${bundle.error.issues.join('; ')}`,
    );
  }
  return toVerifierBundle(bundle.value);
}

function verify(args: ParsedArgs, io: CliIo): CommandResult {
  const [header = ''] = requirePositionals(args, ['v1=credential']);
  const bundle = loadBundle(io, requireString(args, 'bundle'));
  const nowS = optionalInteger(args, 'now') ?? io.nowS();
  const result = verifyChain({
    leaf: header.trim(),
    chain: optionalString(args, 'chain')?.trim(),
    bundle,
    nowS,
  });
  if (!result.ok) {
    const { tag, ...details } = result.error;
    return {
      exitCode: ExitCode.NEGATIVE,
      json: { ok: false, error: tag, ...details },
      text: `credential does NOT verify: ${tag}${Object.keys(details).length > 0 ? ` ${JSON.stringify(details)}` : ''}`,
    };
  }
  const decoded = decodeCredential(header.trim());
  const id = decoded.ok ? credentialId(decoded.value.envelope) : '';
  return {
    exitCode: ExitCode.OK,
    json: { ok: true, claims: claimsJson(result.value), credential_id: id },
    text: `credential verifies\n${claimsText(result.value, id)}`,
  };
}

function inspect(args: ParsedArgs, io: CliIo): CommandResult {
  const [header = ''] = requirePositionals(args, ['v1=credential']);
  const decoded = decodeCredential(header.trim());
  if (!decoded.ok) {
    const { tag, ...details } = decoded.error;
    return {
      exitCode: ExitCode.NEGATIVE,
      json: { ok: false, error: tag, ...details },
      text: `not a credential: ${tag}`,
    };
  }
  const { claims, envelope, signature } = decoded.value;
  const id = credentialId(envelope);
  const nowS = io.nowS();
  return {
    exitCode: ExitCode.OK,
    json: {
      ok: true,
      verified: false,
      claims: claimsJson(claims),
      credential_id: id,
      signature: toHex(signature),
      expires_in_s: claims.not_after - nowS,
    },
    text: `credential (signature NOT checked)\n${claimsText(claims, id)}\nexpires in   ${claims.not_after - nowS} s`,
  };
}

export const credentialVerify: Command = {
  path: ['credential', 'verify'],
  synopsis: '<v1=…> --bundle FILE [--chain v1=…] [--now UNIX]',
  summary: 'Verify a credential (x-memory-cred value) against a trust bundle.',
  details: `Checks, in order: encoding, chain depth, trust domain, issuer, signature, validity window
(and every link of --chain: name, domain, signature, window, delegation namespace) at --now
(default: the current time). FILE is the fed-trust bundle JSON ({trust_domain, sequence,
refresh_hint_s, keys: [{issuer_id, public_key, state, added_at}]}); keys of every state verify.
Prints {"ok": true, "claims": {...}, "credential_id"} or {"ok": false, "error": "<tag>", ...}.`,
  options: { bundle: { type: 'string' }, chain: { type: 'string' }, now: { type: 'string' } },
  run: verify,
};

export const credentialInspect: Command = {
  path: ['credential', 'inspect'],
  synopsis: '<v1=…>',
  summary: 'Decode a credential without verifying it.',
  details: `Shows the claims, the credential id (SHA-256 of the envelope) and the signature bytes.
Nothing is verified: use "fedplane credential verify" for that.`,
  options: {},
  run: inspect,
};
