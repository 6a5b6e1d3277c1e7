import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundleReplySchema, bundleDirectoryFiles, type TrustBundle } from '@fedplane/core';
import { FixedSubject } from '@fedplane/messaging';
import { requireString, type ParsedArgs } from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import {
  callIssuer,
  failedCall,
  processIssuerDeps,
  type IssuerCommandDeps,
} from './issuer-client.js';

/**
 * `fedplane bundle show` and `fedplane bundle export --dir D`: the published trust bundle, as JSON
 * or in the ai-memory directory form (`D/<issuer_id>.pub`, 32 raw bytes per key, every state),
 * plus `D/trust-bundle.json` (the fed-trust JSON, for `fedplane credential verify --bundle`;
 * ai-memory ignores non-.pub files).
 */

/** File name of the bundle JSON written next to the `.pub` files. */
export const BUNDLE_JSON_FILE = 'trust-bundle.json';

function keyLines(bundle: TrustBundle): string[] {
  return bundle.keys.map(
    (k) => `  ${k.state.padEnd(8)} ${k.issuer_id}  ${k.public_key}  added ${k.added_at}`,
  );
}

async function show(deps: IssuerCommandDeps): Promise<CommandResult> {
  const out = await callIssuer(deps, FixedSubject.issuerBundle, {}, BundleReplySchema);
  if (!out.ok) return failedCall('bundle show', out);
  const b = out.value;
  return {
    exitCode: ExitCode.OK,
    json: b,
    text: [
      `trust domain ${b.trust_domain}, sequence ${b.sequence}, refresh hint ${b.refresh_hint_s} s`,
      ...keyLines(b),
    ].join('\n'),
  };
}

async function exportDir(deps: IssuerCommandDeps, args: ParsedArgs): Promise<CommandResult> {
  const dir = requireString(args, 'dir');
  const out = await callIssuer(deps, FixedSubject.issuerBundle, {}, BundleReplySchema);
  if (!out.ok) return failedCall('bundle export', out);
  const files = bundleDirectoryFiles(out.value);
  try {
    mkdirSync(dir, { recursive: true });
    for (const file of files) {
      const path = join(dir, file.name);
      writeFileSync(path, file.bytes);
      chmodSync(path, 0o644);
    }
    writeFileSync(join(dir, BUNDLE_JSON_FILE), `${JSON.stringify(out.value, null, 2)}\n`);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return {
      exitCode: ExitCode.NEGATIVE,
      json: { ok: false, error: 'INTERNAL', message: `cannot write ${dir}`, code },
      text: `bundle export failed: cannot write ${dir} (${typeof code === 'string' ? code : 'error'})`,
    };
  }
  return {
    exitCode: ExitCode.OK,
    json: {
      ok: true,
      dir,
      sequence: out.value.sequence,
      files: [...files.map((f) => f.name), BUNDLE_JSON_FILE],
    },
    text: `wrote ${files.length} key(s) of bundle sequence ${out.value.sequence} to ${dir} (${files
      .map((f) => f.name)
      .join(', ')}) and ${BUNDLE_JSON_FILE}`,
  };
}

/** `fedplane bundle show` over `deps`. */
export function createBundleShowCommand(deps: IssuerCommandDeps): Command {
  return {
    path: ['bundle', 'show'],
    synopsis: '',
    summary: 'Print the published trust bundle.',
    details: `Asks the issuer (fed.issuer.bundle over NATS_URL) for the trust bundle it publishes in
fed-trust: trust domain, sequence, refresh hint and every key with its state (active, next,
retired). --json prints the bundle JSON itself (usable as "credential verify --bundle FILE").`,
    options: {},
    run: () => show(deps),
  };
}

/** `fedplane bundle export` over `deps`. */
export function createBundleExportCommand(deps: IssuerCommandDeps): Command {
  return {
    path: ['bundle', 'export'],
    synopsis: '--dir D',
    summary: 'Write the trust bundle as an ai-memory bundle directory.',
    details: `Writes D/<issuer_id>.pub (the 32 raw key bytes, mode 0644) for every key of the
published bundle (every state verifies), and D/${BUNDLE_JSON_FILE} (the fed-trust JSON, for
"fedplane credential verify --bundle"). Point AI_MEMORY_FED_TRUST_BUNDLE_DIR at D. Existing files
of the same names are replaced; other files are left alone.`,
    options: { dir: { type: 'string' } },
    run: (args) => exportDir(deps, args),
  };
}

/** `fedplane bundle show` on the real process. */
export const bundleShowCommand: Command = createBundleShowCommand(processIssuerDeps);
/** `fedplane bundle export` on the real process. */
export const bundleExportCommand: Command = createBundleExportCommand(processIssuerDeps);
