import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const minimal = {
  DATABASE_URL: 'postgres://u@127.0.0.1/db',
  FED_NODE_ID: 'region/nyc/node-1',
  FED_KEY_PATH: '/k/node.key',
  FED_CRED_PATH: '/k/node.cred',
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const r = loadConfig(minimal);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.nodeId).toBe('region/nyc/node-1');
    expect(r.value.files.chainPath).toBe('/k/node.cred.chain');
    expect(r.value.env.SYNC_QUORUM_TIMEOUT_MS).toBe(2000);
    expect(r.value.env.SYNC_MAX_BODY_BYTES).toBe(8 * 1024 * 1024);
    expect(r.value.env.SYNC_QUORUM_W).toBeUndefined();
    expect(r.value.env.SYNC_STREAM_MAX_AGE).toBe(7 * 24 * 3600 * 1000);
    expect(r.value.scopes.size).toBe(0);
  });

  it('parses scopes, peers and the quorum override', () => {
    const r = loadConfig({
      ...minimal,
      SYNC_QUORUM_W: '2',
      SYNC_PEER_SCOPES: '{"node-b": {"allowed_namespaces": ["team/**"]}}',
      SYNC_SNAPSHOT_PEERS: 'node-b, node-c',
      FED_CRED_CHAIN_PATH: '/k/chain',
    });
    expect(r.ok && r.value.env.SYNC_QUORUM_W).toBe(2);
    expect(r.ok && r.value.scopes.get('node-b')?.allowedNamespaces).toEqual(['team/**']);
    expect(r.ok && r.value.env.SYNC_SNAPSHOT_PEERS).toEqual(['node-b', 'node-c']);
    expect(r.ok && r.value.files.chainPath).toBe('/k/chain');
  });

  it('lists every problem', () => {
    const r = loadConfig({
      FED_NODE_ID: '../x',
      SYNC_PEER_SCOPES: '{"p": {"allowed_namespaces": ["a*b"]}}',
      SYNC_QUORUM_W: '0',
      SYNC_SNAPSHOT_PEERS: 'ok,bad peer',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.error.problems.join('\n');
    for (const name of [
      'DATABASE_URL',
      'FED_KEY_PATH',
      'FED_CRED_PATH',
      'SYNC_QUORUM_W',
      'SYNC_SNAPSHOT_PEERS',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('reports a bad node id and bad scopes', () => {
    const r = loadConfig({ ...minimal, FED_NODE_ID: '/abs', SYNC_PEER_SCOPES: 'nope' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.error.problems.join('\n');
    expect(text).toContain('FED_NODE_ID');
    expect(text).toContain('SYNC_PEER_SCOPES');
  });
});
