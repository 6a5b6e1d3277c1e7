import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInventory, parsePeerScopes, sha256Hex, utf8 } from '@fedplane/core';
import { afterEach, describe, expect, it } from 'vitest';
import { parseNodeList } from '../commands/enroll-bulk.js';
import { bootstrapPlane } from './bootstrap.js';
import { DEMO_NODES, demoInventoryYaml, holdsUsableCredential } from './demo-fleet.js';
import { demoPushBody } from './demo-records.js';
import { readPlaneFile, withPlaneEnv, writePlaneFile, type PlaneFile } from './plane-file.js';
import { nodeDirName, nodeFiles, planeHome } from './plane-home.js';
import { demoPeerScopes } from './services.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fedplane-plane-unit-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const plane = (home: string): PlaneFile => ({
  version: 1,
  pid: 1,
  started_at: '2026-01-01T00:00:00.000Z',
  home,
  nats_url: 'nats://127.0.0.1:4999',
  nats_managed: true,
  database_url: 'postgres://postgres:x@127.0.0.1:5433/fedplane',
  database_managed: true,
  trust_domain: 'fedplane.local',
  services: [{ name: 'issuer', log_file: '/x/issuer.log' }],
  nodes: [],
});

describe('plane home', () => {
  it('is ./.fedplane by default, FEDPLANE_HOME otherwise (relative to the working directory)', () => {
    expect(planeHome({}, '/repo').root).toBe('/repo/.fedplane');
    expect(planeHome({ FEDPLANE_HOME: '' }, '/repo').root).toBe('/repo/.fedplane');
    expect(planeHome({ FEDPLANE_HOME: '/srv/plane' }, '/repo').planeFile).toBe(
      '/srv/plane/plane.json',
    );
    expect(planeHome({ FEDPLANE_HOME: 'x/y' }, '/repo').natsDir).toBe('/repo/x/y/nats');
  });

  it('gives each node one directory segment', () => {
    expect(nodeDirName('region/demo/node-1')).toBe('region_demo_node-1');
    const files = nodeFiles(planeHome({}, '/r'), 'region/demo/node-1');
    expect(files.credPath).toBe('/r/.fedplane/nodes/region_demo_node-1/cred');
    expect(files.joinTokenPath).toBe('/r/.fedplane/nodes/region_demo_node-1/join-token');
  });
});

describe('plane.json', () => {
  it('round-trips (mode 0600) and feeds NATS_URL to commands only when it is unset', () => {
    const dir = tempDir();
    const home = planeHome({ FEDPLANE_HOME: dir }, '/');
    writePlaneFile(home.planeFile, plane(dir));
    expect(statSync(home.planeFile).mode & 0o777).toBe(0o600);
    expect(readPlaneFile(home.planeFile)).toEqual(plane(dir));
    expect(withPlaneEnv({ FEDPLANE_HOME: dir }, '/')['NATS_URL']).toBe('nats://127.0.0.1:4999');
    expect(withPlaneEnv({ FEDPLANE_HOME: dir, NATS_URL: 'nats://h:1' }, '/')['NATS_URL']).toBe(
      'nats://h:1',
    );
    expect(withPlaneEnv({ FEDPLANE_HOME: join(dir, 'none') }, '/')['NATS_URL']).toBeUndefined();
  });

  it('a missing or malformed file reads as absent', () => {
    const dir = tempDir();
    expect(readPlaneFile(join(dir, 'nope.json'))).toBeUndefined();
    writeFileSync(join(dir, 'bad.json'), '{not json');
    expect(readPlaneFile(join(dir, 'bad.json'))).toBeUndefined();
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ version: 2 }));
    expect(readPlaneFile(join(dir, 'wrong.json'))).toBeUndefined();
  });
});

describe('bootstrap', () => {
  it('creates one secret per attesting service and their hashes for the issuer, idempotently', () => {
    const dir = tempDir();
    const home = planeHome({ FEDPLANE_HOME: join(dir, 'home') }, '/');
    const secrets = bootstrapPlane(home);
    const hashes = JSON.parse(readFileSync(home.serviceSecretsFile, 'utf8')) as Record<
      string,
      string
    >;
    expect(Object.keys(hashes).sort()).toEqual([
      'approvals',
      'auditor',
      'reconciler',
      'sync-gateway',
    ]);
    const auditor = readFileSync(secrets.serviceSecretFile('auditor'), 'utf8').trim();
    expect(auditor.length).toBeGreaterThanOrEqual(16);
    expect(hashes['auditor']).toBe(sha256Hex(utf8(auditor)));
    expect(statSync(secrets.serviceSecretFile('auditor')).mode & 0o777).toBe(0o600);
    expect(statSync(home.secretsDir).mode & 0o777).toBe(0o700);
    bootstrapPlane(home);
    expect(readFileSync(secrets.serviceSecretFile('auditor'), 'utf8').trim()).toBe(auditor);
  });
});

describe('the demo fleet', () => {
  it('its inventory is valid: three join-token nodes, quorum 2, strict', () => {
    const parsed = parseInventory(demoInventoryYaml());
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.nodes.map((n) => n.id)).toEqual(DEMO_NODES.map((n) => n.id));
    expect(parsed.value.requireSig).toBe(true);
  });

  it('its gateways scope every demo node to the demo namespaces', () => {
    const parsed = parsePeerScopes(demoPeerScopes(DEMO_NODES.map((n) => n.id)));
    expect(parsed.ok).toBe(true);
  });

  it('its records are valid push bodies', () => {
    const body = demoPushBody('region/demo/node-1', '2026-01-01T00:00:00.000Z');
    expect(body).toMatchObject({ sender_agent_id: 'region/demo/node-1' });
    expect((body['memories'] as unknown[]).length).toBe(3);
  });

  it('a node needs a new join token unless it holds a credential valid for a while', () => {
    const dir = tempDir();
    const home = planeHome({ FEDPLANE_HOME: dir }, '/');
    expect(holdsUsableCredential(home, 'region/demo/node-1', { nowS: 0, marginS: 0 })).toBe(false);
  });
});

describe('enroll --file lists', () => {
  it('skips blanks, comments and repeats', () => {
    expect(parseNodeList('# fleet\na\n\n  b # second\na\n')).toEqual(['a', 'b']);
  });
  it('refuses a bad id with its line, and an empty list', () => {
    expect(() => parseNodeList('ok\nno good\n')).toThrow(/line 2/);
    expect(() => parseNodeList('# nothing\n')).toThrow(/no node id/);
  });
});
