import type { Bus } from '@fedplane/messaging';
import {
  DEMO_NODES,
  applyInventory,
  demoInventoryYaml,
  enrollDemoNode,
  holdsUsableCredential,
  type DemoNode,
} from './demo-fleet.js';
import { writeDemoRecords } from './demo-records.js';
import type { PlaneHome } from './plane-home.js';
import type { Screen } from './screen.js';
import { isStrictAndConverged, type PlaneStatus } from './status-model.js';

/**
 * What the launcher does as the demo fleet's operator, one step per status refresh: re-enroll a
 * node that has not come up (its token may have been replaced by a later enrollment), apply the
 * inventory once every node can sign (so enforcement can only turn strict over a fleet that is
 * really able to sign), and write a few records through a gateway once the fleet is strict.
 */

/** Seconds a node may take to show a signed status before it is enrolled again. */
export const REENROLL_AFTER_MS = 30_000;
const MAX_ENROLLMENTS = 4;
/** Pushes tried (one per refresh) while the gateways come up. */
const MAX_RECORD_ATTEMPTS = 15;

/** The operator's state and its step. */
export type FleetOperator = {
  readonly step: (status: PlaneStatus, nowMs: number) => Promise<void>;
  readonly converged: () => boolean;
};

/** What the operator needs. */
export type OperatorDeps = {
  readonly bus: Bus;
  readonly home: PlaneHome;
  readonly screen: Screen;
  /** Node ids whose sync-gateway runs (records are written only when there is one). */
  readonly gateways: () => readonly string[];
  readonly nodes?: readonly DemoNode[];
};

/** Enrolls each node that holds no usable credential (before its agent starts). */
export async function enrollMissing(
  deps: Pick<OperatorDeps, 'bus' | 'home' | 'screen' | 'nodes'>,
  nowS: number,
): Promise<void> {
  for (const node of deps.nodes ?? DEMO_NODES) {
    if (holdsUsableCredential(deps.home, node.id, { nowS, marginS: 120 })) continue;
    await enrollDemoNode(deps.bus, deps.home, node);
    deps.screen.say('enrolled demo node; join token handed over by file', { node: node.id });
  }
}

/** An operator over `deps`, started at `startMs`. */
export function createFleetOperator(deps: OperatorDeps, startMs: number): FleetOperator {
  const nodes = deps.nodes ?? DEMO_NODES;
  const yaml = demoInventoryYaml(nodes);
  const lastEnroll = new Map<string, number>(nodes.map((n) => [n.id, startMs]));
  const enrollments = new Map<string, number>();
  let inventoryApplied = false;
  let recordsWritten = false;
  let recordAttempts = 0;
  let converged = false;

  async function reenrollStragglers(status: PlaneStatus, nowMs: number): Promise<void> {
    for (const node of nodes) {
      const view = status.nodes.find((n) => n.id === node.id);
      if (view?.present === true && view.can_sign) continue;
      if (nowMs - (lastEnroll.get(node.id) ?? nowMs) < REENROLL_AFTER_MS) continue;
      if ((enrollments.get(node.id) ?? 0) >= MAX_ENROLLMENTS) continue;
      if (holdsUsableCredential(deps.home, node.id, { nowS: nowMs / 1000, marginS: 120 })) continue;
      lastEnroll.set(node.id, nowMs);
      enrollments.set(node.id, (enrollments.get(node.id) ?? 0) + 1);
      await enrollDemoNode(deps.bus, deps.home, node);
      deps.screen.say('demo node not up yet; enrolled it again', { node: node.id });
    }
  }

  async function step(status: PlaneStatus, nowMs: number): Promise<void> {
    const views = nodes.map((n) => status.nodes.find((v) => v.id === n.id));
    const allCanSign = views.every((v) => v?.present === true && v.can_sign);
    if (!inventoryApplied) {
      await reenrollStragglers(status, nowMs);
      if (allCanSign) {
        const wrote = await applyInventory(deps.bus, yaml);
        inventoryApplied = true;
        deps.screen.say(
          wrote ? 'demo inventory applied (require_sig: true)' : 'demo inventory already applied',
          {
            nodes: nodes.length,
          },
        );
      }
    }
    if (!converged && isStrictAndConverged(status)) {
      converged = true;
      deps.screen.say('demo fleet converged: strict enforcement, every node can sign');
    }
    const gateways = deps.gateways();
    const tryRecords = converged && !recordsWritten && gateways.length >= 2;
    if (tryRecords && recordAttempts < MAX_RECORD_ATTEMPTS) {
      recordAttempts += 1;
      const written = await writeDemoRecords({ bus: deps.bus, home: deps.home, gateways });
      recordsWritten = written.ok;
      if (written.ok) deps.screen.say('demo records written through a gateway', { ...written });
      else if (recordAttempts === MAX_RECORD_ATTEMPTS) {
        deps.screen.say('demo records not written', { ...written, attempts: recordAttempts });
      }
    }
  }

  return { step, converged: () => converged };
}
