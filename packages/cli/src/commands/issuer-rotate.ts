import { RotateReplySchema } from '@fedplane/core';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import {
  ISSUER_ROTATE_SUBJECT,
  callIssuer,
  failedCall,
  processIssuerDeps,
  type IssuerCommandDeps,
} from './issuer-client.js';

/** `fedplane issuer rotate`: publish-before-use rotation of the issuer key. */

async function rotate(deps: IssuerCommandDeps): Promise<CommandResult> {
  const out = await callIssuer(deps, ISSUER_ROTATE_SUBJECT, {}, RotateReplySchema);
  if (!out.ok) return failedCall('issuer rotate', out);
  const v = out.value;
  return {
    exitCode: ExitCode.OK,
    json: { ok: true, ...v },
    text: [
      `published next key ${v.issuer_id} in trust bundle sequence ${v.bundle_sequence}`,
      `the issuer activates it at ${v.activates_at} (refresh_hint_s x 3 after publication); the old key stays as retired`,
    ].join('\n'),
  };
}

/** `fedplane issuer rotate` over `deps`. */
export function createIssuerRotateCommand(deps: IssuerCommandDeps): Command {
  return {
    path: ['issuer', 'rotate'],
    synopsis: '',
    summary:
      'Publish a new issuer key as next; the issuer activates it after the propagation delay.',
    details: `Asks the issuer (fed.issuer.rotate over NATS_URL) to generate a new signing key and
publish it in fed-trust as "next". Every verifier watches the bundle, so it holds the key before
anything is signed with it; the issuer activates it refresh_hint_s x 3 after publication and
keeps the previous key as "retired" (credentials it signed keep verifying). Exits 1 with
CONFLICT (trust_bundle_next_exists) while a next key is still pending.`,
    options: {},
    run: () => rotate(deps),
  };
}

/** `fedplane issuer rotate` on the real process. */
export const issuerRotateCommand: Command = createIssuerRotateCommand(processIssuerDeps);
