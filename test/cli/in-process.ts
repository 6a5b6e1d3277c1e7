import { runCli, type CliIo } from '@fedplane/cli';

/** Output of one in-process `fedplane` run. */
export type CliRun = { readonly code: number; readonly out: string; readonly err: string };

/**
 * Runs `fedplane` through the same `runCli` the binary calls, with files served from memory and
 * a fixed clock, so hundreds of vector cases run in milliseconds. The binary itself is driven as
 * a process in cli.process.test.ts.
 */
export async function runInProcess(
  argv: readonly string[],
  files: Readonly<Record<string, string>> = {},
  nowS = 1_900_000_000,
): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (text) => {
      out += text.endsWith('\n') ? text : `${text}\n`;
    },
    err: (text) => {
      err += text.endsWith('\n') ? text : `${text}\n`;
    },
    readText: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    nowS: () => nowS,
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

/** The fed-trust bundle JSON for a vector's `{trust_domain, keys: [{issuer_id, public_key hex}]}`. */
export function fedTrustBundle(bundle: {
  trust_domain: string;
  keys: { issuer_id: string; public_key: string }[];
}): string {
  return JSON.stringify({
    trust_domain: bundle.trust_domain,
    sequence: 1,
    refresh_hint_s: 60,
    keys: bundle.keys.map((k, i) => ({
      issuer_id: k.issuer_id,
      public_key: Buffer.from(k.public_key, 'hex').toString('base64'),
      state: i === 0 ? 'active' : 'next',
      added_at: '2026-01-01T00:00:00.000Z',
    })),
  });
}

/** An inventory YAML whose desired state is `nodes` (one region) and `requireSig`. */
export function inventoryYaml(nodes: readonly string[], requireSig: boolean | null): string {
  const lines = ['trust_domain: fleet.example', 'regions:', '  - name: main', '    nodes:'];
  for (const id of nodes) {
    lines.push(
      `      - id: ${JSON.stringify(id)}`,
      '        attestor: join-token',
      '        cred_ttl: 1h',
      '        renew_before: 15m',
    );
  }
  if (nodes.length === 0) lines.push('      []');
  lines.push('quorum: { width: 1 }');
  if (requireSig !== null) lines.push(`enforcement: { require_sig: ${requireSig} }`);
  return `${lines.join('\n')}\n`;
}
