import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { EnrollReplySchema, decodeCredentialFile, sha256Hex, utf8 } from '@fedplane/core';
import {
  BucketName,
  FixedSubject,
  KvKey,
  fedBuckets,
  ensureKv,
  request,
  type Bus,
} from '@fedplane/messaging';
import { LOCAL_TRUST_DOMAIN } from './services.js';
import { nodeFiles, type PlaneHome } from './plane-home.js';

/**
 * The demo fleet of `fedplane start`: three nodes, each with a renewal-agent and a sync-gateway.
 * The launcher acts as the operator: it enrolls each node (`fed.issuer.enroll`, the admin request)
 * and hands the agent its one-time join token through a file (mode 0600; the token never goes on
 * the bus other than in the issuer's reply), then applies an inventory listing the three nodes
 * with `require_sig: true` to KV `fed-inventory`, which the reconciler turns into strict
 * enforcement once every node has been observed able to sign.
 */

/** One demo node. */
export type DemoNode = { readonly id: string; readonly short: string };

/** The demo region. */
export const DEMO_REGION = 'demo';
/** Credential lifetime of the demo nodes (seconds). */
export const DEMO_CRED_TTL_S = 3_600;

/** The three demo nodes. */
export const DEMO_NODES: readonly DemoNode[] = [1, 2, 3].map((n) => ({
  id: `region/${DEMO_REGION}/node-${String(n)}`,
  short: `node-${String(n)}`,
}));

/** The demo inventory (reconciler.md YAML): the three nodes, quorum 2, strict enforcement. */
export function demoInventoryYaml(nodes: readonly DemoNode[] = DEMO_NODES): string {
  const lines = [
    `trust_domain: ${LOCAL_TRUST_DOMAIN}`,
    'regions:',
    `  - name: ${DEMO_REGION}`,
    '    nodes:',
  ];
  for (const node of nodes) {
    lines.push(
      `      - id: ${node.id}`,
      '        attestor: join-token',
      '        cred_ttl: 1h',
      '        renew_before: 15m',
      '        roles: [writer]',
    );
  }
  lines.push('quorum: { width: 2 }', 'enforcement: { require_sig: true }', '');
  return lines.join('\n');
}

/**
 * True when the node holds a credential file still valid `marginS` seconds from `nowS`, so its
 * agent renews by proof of possession and needs no join token.
 */
export function holdsUsableCredential(
  home: PlaneHome,
  nodeId: string,
  now: { readonly nowS: number; readonly marginS: number },
): boolean {
  let text: string;
  try {
    text = readFileSync(nodeFiles(home, nodeId).credPath, 'utf8');
  } catch {
    return false;
  }
  const decoded = decodeCredentialFile(text);
  return decoded.ok && decoded.value.claims.not_after > now.nowS + now.marginS;
}

/** Enrolls `node` and writes its join token file (0600, directory 0700). */
export async function enrollDemoNode(bus: Bus, home: PlaneHome, node: DemoNode): Promise<void> {
  const reply = await request(
    bus.nc,
    FixedSubject.issuerEnroll,
    { node_id: node.id, region: DEMO_REGION, ttl_s: DEMO_CRED_TTL_S },
    { schema: EnrollReplySchema, timeoutMs: 10_000 },
  );
  const files = nodeFiles(home, node.id);
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  writeFileSync(files.joinTokenPath, `${reply.join_token}\n`, { mode: 0o600 });
}

/**
 * Stores `yaml` (already valid) in KV `fed-inventory` / `desired` as `{yaml, sha256}`, unless the
 * same text is there. Returns whether it wrote.
 */
export async function applyInventory(bus: Bus, yaml: string): Promise<boolean> {
  const declaration = fedBuckets().find((b) => b.bucket === BucketName.inventory);
  if (declaration !== undefined) await ensureKv(bus.jsm, [declaration]);
  const kv = await bus.kvm.open(BucketName.inventory);
  const sha256 = sha256Hex(utf8(yaml));
  const current = await kv.get(KvKey.desired).catch(() => null);
  if (current !== null && current.operation === 'PUT') {
    const text = current.string();
    if (text.includes(`"sha256":"${sha256}"`)) return false;
  }
  await kv.put(KvKey.desired, JSON.stringify({ yaml, sha256 }));
  return true;
}
