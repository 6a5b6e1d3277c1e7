import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliIo } from '@fedplane/cli';
import { publicKeyFromSeed, sha256Hex, utf8 } from '@fedplane/core';
import { afterEach, describe, expect, it } from 'vitest';

/** `fedplane bootstrap`: secrets, NATS passwords, issuer key, database password; idempotent. */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function io(): CliIo & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    out: (t) => lines.push(t),
    err: (t) => lines.push(t),
    readText: (p) => readFileSync(p, 'utf8'),
    nowS: () => 0,
  };
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
const manifest = JSON.stringify([
  { user: 'issuer', role: 'issuer', nodes: [], key: 'issuer', password_var: 'PW_ISSUER' },
  { user: 'admin', role: 'admin', nodes: [], key: 'admin', password_var: 'PW_ADMIN' },
]);

function setup(): { root: string; args: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'fp-bootstrap-'));
  dirs.push(root);
  writeFileSync(join(root, 'users.json'), manifest);
  const args = [
    'bootstrap',
    `--secrets-dir=${join(root, 'secrets')}`,
    `--nats-users=${join(root, 'users.json')}`,
    `--issuer-key-dir=${join(root, 'keys')}`,
    `--postgres-password-dir=${join(root, 'pg')}`,
    '--json',
  ];
  return { root, args };
}

describe('fedplane bootstrap', () => {
  it('writes every secret with tight modes, and a second run keeps them', async () => {
    const { root, args } = setup();
    const first = io();
    expect(await runCli(args, first)).toBe(0);
    const s = (p: string) => join(root, 'secrets', p);
    const auditor = readFileSync(s('service/auditor'), 'utf8').trim();
    const hashes = JSON.parse(readFileSync(s('service-secrets.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(hashes['auditor']).toBe(sha256Hex(utf8(auditor)));
    expect(Object.keys(hashes).sort()).toEqual([
      'approvals',
      'auditor',
      'reconciler',
      'sync-gateway',
    ]);
    const issuerPw = readFileSync(s('nats/issuer'), 'utf8').trim();
    expect(readFileSync(s('nats-passwords.conf'), 'utf8')).toContain(`PW_ISSUER: "${issuerPw}"`);
    const seed = new Uint8Array(readFileSync(join(root, 'keys', 'root.priv')));
    expect(seed.byteLength).toBe(32);
    expect(new Uint8Array(readFileSync(join(root, 'keys', 'root.pub')))).toEqual(
      publicKeyFromSeed(seed),
    );
    const pgPassword = readFileSync(join(root, 'pg', 'password'), 'utf8').trim();
    expect(readFileSync(s('postgres/pgpass'), 'utf8')).toBe(
      `postgres:5432:*:fedplane:${pgPassword}\n`,
    );
    expect([mode(s('')), mode(s('service/auditor')), mode(s('nats/issuer'))]).toEqual([
      '700',
      '600',
      '600',
    ]);
    expect([mode(join(root, 'keys')), mode(join(root, 'keys', 'root.priv'))]).toEqual([
      '700',
      '600',
    ]);
    expect([mode(s('postgres/pgpass')), mode(join(root, 'pg', 'password'))]).toEqual([
      '600',
      '644',
    ]);

    const second = io();
    expect(await runCli(args, second)).toBe(0);
    expect(readFileSync(s('service/auditor'), 'utf8').trim()).toBe(auditor);
    expect(readFileSync(s('nats/issuer'), 'utf8').trim()).toBe(issuerPw);
    expect(new Uint8Array(readFileSync(join(root, 'keys', 'root.priv')))).toEqual(seed);
    const report = JSON.parse(second.lines.join('')) as { kept: string[] };
    expect(report.kept).toContain(join(root, 'keys', 'root.priv'));
  });

  it('refuses a manifest that is not one (exit 2) and writes nothing for it', async () => {
    const { root, args } = setup();
    writeFileSync(join(root, 'users.json'), '[{"user": 1}]');
    const out = io();
    expect(await runCli(args, out)).toBe(2);
    expect(out.lines.join('\n')).toContain('not a NATS users manifest');
  });
});
