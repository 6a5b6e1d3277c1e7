import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex, utf8 } from '@fedplane/core';
import { BucketName, KvKey } from '@fedplane/messaging';
import { fedplaneJson } from './plane-cli.js';
import { E2E_REGION, NODE_CRED_TTL, inventoryYaml, type FleetNode } from './plane-env.js';
import { decide, heldCredential, pendingActions, until, type SeenEvent } from './plane-checks.js';
import type { Plane } from './topology.js';

/**
 * The steps of the e2e scenario, shared with the chaos suites: apply the inventory, enroll and
 * start the nodes, reach strict, decommission a node through an HMAC approval, rotate the
 * issuer key.
 */

/** The applied reconcile action `kind` for `id`, if seen. */
export function actionApplied(events: readonly SeenEvent[], kind: string, id: string): boolean {
  return events.some((e) => {
    if (e.type !== 'reconcile.action_applied') return false;
    const action = e.data['action'] as { kind?: unknown; id?: unknown } | undefined;
    return action?.kind === kind && action.id === id;
  });
}

/**
 * Applies the inventory (KV `fed-inventory`) and waits for
 * the reconciler to enroll every node.
 */
export async function applyFleetInventory(
  plane: Plane,
  nodes: readonly FleetNode[],
  events: readonly SeenEvent[],
  waitEnrollment = true,
): Promise<void> {
  // `fedplane inventory apply` does not exist yet: the same write, `{yaml, sha256}` at
  // `fed-inventory`/`desired` (the bucket exists at replicas 3; nothing here re-declares it).
  const yaml = inventoryYaml(nodes);
  const kv = await plane.bus.kvm.open(BucketName.inventory);
  await kv.put(KvKey.desired, JSON.stringify({ yaml, sha256: sha256Hex(utf8(yaml)) }));
  if (!waitEnrollment) return;
  await until(
    () => nodes.every((n) => actionApplied(events, 'enroll_node', n.id)),
    60_000,
    'the reconciler enrolls every node of the inventory',
  );
}

/**
 * The operator enrolls the nodes (`fedplane enroll --file`, which replaces the unused tokens of
 * the reconciler's enrollment) and hands each agent its token through a 0600 file.
 */
export async function enrollNodes(plane: Plane, nodes: readonly FleetNode[]): Promise<void> {
  const list = join(plane.files.root, 'enroll-list.txt');
  writeFileSync(list, `${nodes.map((n) => n.id).join('\n')}\n`);
  const out = await fedplaneJson(
    ['enroll', '--file', list, '--region', E2E_REGION, '--ttl', NODE_CRED_TTL],
    plane.cliEnv(),
  );
  const enrolled = out['enrolled'] as { node_id: string; join_token: string }[];
  for (const node of nodes) {
    const entry = enrolled.find((e) => e.node_id === node.id);
    if (entry === undefined) throw new Error(`${node.id} not enrolled: ${JSON.stringify(out)}`);
    writeFileSync(node.joinTokenPath, `${entry.join_token}\n`, { mode: 0o600 });
  }
}

/** Starts every node's agent, waits for its credential file, then starts its gateway. */
export async function startNodes(plane: Plane, nodes: readonly FleetNode[]): Promise<void> {
  await plane.start(nodes.map((n) => `agent-${n.short}`));
  await until(
    () => nodes.every((n) => heldCredential(n) !== null),
    60_000,
    'every agent writes its credential file',
  );
  await plane.start(nodes.map((n) => `gateway-${n.short}`));
}

/** Waits for strict enforcement in `fed-enforcement`. */
export async function reachStrict(events: readonly SeenEvent[]): Promise<void> {
  await until(
    () => events.some((e) => e.type === 'enforcement.changed' && e.data['require_sig'] === true),
    90_000,
    'the reconciler turns strict enforcement on',
  );
}

/**
 * Removes `node` from the inventory; the reconciler asks for approval; the operator reads the
 * pending action on one approvals replica and approves it over HTTP with HMAC on the other; the
 * issuer revokes the node. Returns the pending id.
 */
export async function decommissionNode(
  plane: Plane,
  keep: readonly FleetNode[],
  node: FleetNode,
  events: readonly SeenEvent[],
): Promise<string> {
  await applyFleetInventory(plane, keep, events, false);
  const [readUrl = '', decideUrl = ''] = plane.approvalsUrls;
  const pending = await until(
    async () =>
      (await pendingActions(readUrl, plane.files.apiKey)).find(
        (p) => p['action_type'] === 'decommission_node' && JSON.stringify(p).includes(node.id),
      ),
    60_000,
    `a pending decommission of ${node.id}`,
  );
  const id = String(pending['id']);
  const decided = await decide(decideUrl, {
    id,
    secret: plane.files.hmacSecret,
    decider: 'operator:e2e',
  });
  if (decided.status !== 200) {
    throw new Error(`approval refused: ${String(decided.status)} ${JSON.stringify(decided.body)}`);
  }
  await until(
    () => events.some((e) => e.type === 'node.revoked' && e.subject === node.id),
    60_000,
    `${node.id} revoked after the approval`,
  );
  return id;
}

/** `fedplane issuer rotate`; returns the new issuer id and when it becomes active. */
export async function rotateIssuerKey(
  plane: Plane,
): Promise<{ issuerId: string; activatesAtMs: number }> {
  const out = await fedplaneJson(['issuer', 'rotate'], plane.cliEnv());
  return {
    issuerId: String(out['issuer_id']),
    activatesAtMs: Date.parse(String(out['activates_at'])),
  };
}
