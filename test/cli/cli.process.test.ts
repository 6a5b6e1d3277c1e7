import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVectors } from '../conformance/vectors.js';
import { fedTrustBundle } from './in-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const MAIN = join(ROOT, 'packages/cli/src/main.ts');

/** Runs the real `fedplane` binary (the same entry `pnpm fedplane` runs) as a child process. */
function fedplane(args: readonly string[]) {
  const r = spawnSync(TSX, ['--conditions=@fedplane/source', MAIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function noStack(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

const creds = loadVectors('credentials.json');
const valid = creds.cases.find((c) => c.name === 'valid_at_issue_time')!;
const expired = creds.cases.find(
  (c) => c.kind === 'verify' && (c.expect as { error?: string }).error === 'credential_expired',
)!;

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fedplane-cli-'));
  writeFileSync(join(dir, 'bundle.json'), fedTrustBundle(valid['bundle'] as never));
  writeFileSync(join(dir, 'bad.yaml'), 'trust_domain: ""\nquorum: { width: 1 }\n');
  writeFileSync(
    join(dir, 'inv.yaml'),
    'trust_domain: fleet.example\nregions:\n  - name: nyc\n    nodes:\n      - { id: region/nyc/node-1, attestor: join-token, cred_ttl: 1h, renew_before: 15m }\nquorum: { width: 1 }\nenforcement: { require_sig: true }\n',
  );
  writeFileSync(
    join(dir, 'obs.json'),
    JSON.stringify({
      nodes: [{ id: 'region/nyc/node-1', present: true, can_sign: false }],
      strict_enforced: false,
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fedplane as a process', () => {
  it('verifies a valid credential: exit 0 and the claims', () => {
    const r = fedplane([
      'credential',
      'verify',
      valid['header'] as string,
      '--bundle',
      join(dir, 'bundle.json'),
      '--now',
      String(valid['now']),
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      ok: true,
      claims: (valid.expect as { ok: unknown }).ok,
    });
  });

  it('refuses an expired credential: exit 1 and the tag', () => {
    const r = fedplane([
      'credential',
      'verify',
      expired['header'] as string,
      '--bundle',
      join(dir, 'bundle.json'),
      '--now',
      String(expired['now']),
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({ ok: false, error: 'credential_expired' });
  });

  it('reports garbage as credential_malformed, without a stack', () => {
    const r = fedplane(['credential', 'inspect', 'v1=%%%not-base64', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({ ok: false, error: 'credential_malformed' });
    noStack(r.err);
  });

  it('inventory validate: exit 1 with the first violation and all of them', () => {
    const r = fedplane(['inventory', 'validate', join(dir, 'bad.yaml'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: 'inventory_empty_trust_domain' });
  });

  it('plan: issue_credential for a present node that cannot sign', () => {
    const r = fedplane([
      'plan',
      '--inventory',
      join(dir, 'inv.yaml'),
      '--observed',
      join(dir, 'obs.json'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      actions: [{ kind: 'issue_credential', id: 'region/nyc/node-1' }],
      guards: [],
    });
  });

  it('approvals sign prints sha256=<hex>', () => {
    const r = fedplane([
      'approvals',
      'sign',
      '--secret',
      'k10-approvals-secret',
      '--timestamp',
      '1900000000',
      '--id',
      '01JD2M6R4V8X0Z2B4D6F8H0K2M',
      '--body',
      '{"decision":"approve","remember":"once"}',
    ]);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(
      'sha256=40173c102967ed722e3fe3490e09f8236caa09ce11899544cdcfb157c18e3294',
    );
  });

  it('a missing file and an unknown flag are usage errors (exit 2), typed in --json', () => {
    const missing = fedplane(['inventory', 'validate', join(dir, 'nope.yaml'), '--json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.out)).toMatchObject({ ok: false, error: 'BAD_REQUEST' });
    const flag = fedplane(['plan', '--frobnicate']);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain('fedplane plan --help');
    noStack(flag.err);
  });

  it('prints help for the top level and for a command', () => {
    const top = fedplane(['--help']);
    expect(top.code).toBe(0);
    expect(top.out).toContain('fedplane credential verify');
    const one = fedplane(['credential', 'verify', '--help']);
    expect(one.code).toBe(0);
    expect(one.out).toContain('--bundle FILE');
  });

  it('runs from the repository root as `pnpm fedplane`', () => {
    const r = spawnSync(
      'pnpm',
      ['--silent', 'fedplane', 'credential', 'inspect', valid['header'] as string, '--json'],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      verified: false,
      claims: { subject_agent_id: 'region/nyc/node-1' },
    });
  });
});
