import { Ansi } from './log-format.js';
import {
  isStrictAndConverged,
  type NodeView,
  type PlaneStatus,
  type ServiceView,
} from './status-model.js';

/**
 * The text form of the plane status (`fedplane status` and the `fedplane start` screen): a node
 * table with credential expiry, the posture, pending approvals, the audit head, and where to look
 * further. Pure: the time and the links come in.
 */

/** Where to look further (from `plane.json`). */
export type StatusLinks = {
  readonly natsUrl?: string;
  readonly services?: readonly { readonly name: string; readonly url: string }[];
  readonly logsDir?: string;
  readonly planeFile?: string;
};

/** How to render. */
export type RenderOptions = {
  readonly nowMs: number;
  readonly color: boolean;
  readonly links?: StatusLinks;
  /** Two lines of pointers instead of the full list (the pinned view of `fedplane start`). */
  readonly compact?: boolean;
};

function paint(text: string, code: string, color: boolean): string {
  return color ? `${code}${text}${Ansi.reset}` : text;
}

/** `1h02m`, `4m05s`, `12s`; negative durations read `expired 3m ago`. */
export function formatRemaining(seconds: number): string {
  if (seconds < 0) return `expired ${formatRemaining(-seconds)} ago`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (h > 0) return `${String(h)}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${String(m)}m${String(s).padStart(2, '0')}s`;
  return `${String(s)}s`;
}

function nodeLine(node: NodeView, options: RenderOptions, width: number): string {
  const c = options.color;
  const presence = node.present ? paint('present', Ansi.green, c) : paint('absent ', Ansi.red, c);
  const sign = node.can_sign
    ? paint('can-sign   ', Ansi.green, c)
    : paint('cannot-sign', Ansi.red, c);
  const expiry =
    node.not_after === null
      ? 'no credential'
      : `expires ${new Date(node.not_after * 1000).toISOString().slice(0, 19)}Z (${formatRemaining(node.not_after - Math.floor(options.nowMs / 1000))})`;
  const extra = [
    node.desired ? '' : 'not in inventory',
    node.signature === 'credential_signed' ? '' : node.signature,
  ].filter((s) => s !== '');
  return `  ${node.id.padEnd(width)}  ${presence}  ${sign}  ${expiry}${extra.length > 0 ? `  ${paint(extra.join(', '), Ansi.yellow, c)}` : ''}`;
}

function serviceLine(svc: ServiceView, options: RenderOptions, width: number): string {
  const c = options.color;
  const presence = svc.present ? paint('present', Ansi.green, c) : paint('absent ', Ansi.red, c);
  const sign = svc.can_sign
    ? paint('can-sign   ', Ansi.green, c)
    : paint('cannot-sign', Ansi.red, c);
  const expiry = `expires ${new Date(svc.not_after * 1000).toISOString().slice(0, 19)}Z (${formatRemaining(svc.not_after - Math.floor(options.nowMs / 1000))})`;
  const extra = [
    svc.signature === 'credential_signed' ? '' : svc.signature,
    svc.last_error ?? '',
  ].filter((s) => s !== '');
  return `  ${svc.id.padEnd(width)}  ${presence}  ${sign}  ${expiry}${extra.length > 0 ? `  ${paint(extra.join(', '), Ansi.yellow, c)}` : ''}`;
}

/** One line for the pinned view: how many instances, and which are not healthy. */
function compactServices(services: readonly ServiceView[], color: boolean): string {
  const unhealthy = services.filter((s) => !s.present || !s.can_sign || s.last_error !== null);
  const head = `Services:  ${String(services.length)} instance(s)`;
  return unhealthy.length === 0
    ? `${head}, all present and able to sign`
    : `${head}; ${paint(`check ${unhealthy.map((s) => s.id).join(', ')}`, Ansi.yellow, color)}`;
}

function linkLines(links: StatusLinks | undefined): string[] {
  const lines = ['Look further:'];
  for (const s of links?.services ?? []) lines.push(`  ${s.name.padEnd(22)} ${s.url}`);
  if (links?.natsUrl !== undefined) {
    lines.push(`  events                 nats sub --server ${links.natsUrl} 'fed.evt.>'`);
  }
  lines.push(
    '  live events            pnpm fedplane events tail',
    '  audit chain            pnpm fedplane audit verify',
    `  audit events           DATABASE_URL=$(jq -r .database_url ${links?.planeFile ?? '.fedplane/plane.json'}) pnpm fedplane audit tail`,
    '  node detail            pnpm fedplane node status',
    '  this view as JSON      pnpm fedplane status --json',
  );
  if (links?.logsDir !== undefined)
    lines.push(`  service logs           ${links.logsDir}/<service>.log`);
  return lines;
}

function compactLinks(links: StatusLinks | undefined): string[] {
  return [
    `More: pnpm fedplane status | events tail | audit verify | node status${links?.natsUrl === undefined ? '' : `   (NATS ${links.natsUrl})`}`,
    `URLs of every service: pnpm fedplane status (plane.json)${links?.logsDir === undefined ? '' : `; logs: ${links.logsDir}`}`,
  ];
}

/** Renders the status as text lines. */
export function renderStatus(status: PlaneStatus, options: RenderOptions): string {
  const c = options.color;
  const width = Math.max(8, ...status.nodes.map((n) => n.id.length));
  const strict = isStrictAndConverged(status);
  const headline = strict
    ? paint('fleet converged: strict enforcement, every node can sign', Ansi.green, c)
    : status.posture.require_sig
      ? paint('strict enforcement, but not every node can sign', Ansi.yellow, c)
      : paint('permissive (signatures not required yet)', Ansi.yellow, c);
  const lines = [paint('fedplane status', Ansi.bold, c) + `  ${headline}`, ''];
  lines.push(`Nodes (${String(status.nodes.length)}):`);
  if (status.nodes.length === 0) lines.push('  none observed yet');
  for (const node of status.nodes) lines.push(nodeLine(node, options, width));
  if (status.services.length > 0 && options.compact === true) {
    lines.push(compactServices(status.services, c));
  } else if (status.services.length > 0) {
    const svcWidth = Math.max(8, ...status.services.map((s) => s.id.length));
    lines.push('', `Services (${String(status.services.length)}):`);
    for (const svc of status.services) lines.push(serviceLine(svc, options, svcWidth));
  }
  const p = status.posture;
  lines.push(
    '',
    `Posture:   require_sig ${String(p.require_sig)}` +
      (p.revision === null ? '' : `, revision ${String(p.revision)}`) +
      (p.decided_at === null ? '' : `, decided ${p.decided_at}`) +
      (p.state === 'valid' ? '' : ` (${p.state})`),
  );
  if (status.inventory !== null) {
    lines.push(
      `Inventory: sha256 ${status.inventory.sha256.slice(0, 16)}…, require_sig ${String(status.inventory.require_sig)}`,
    );
  } else lines.push('Inventory: none applied (fedplane inventory apply FILE)');
  lines.push(
    `Approvals: ${status.pending_approvals === null ? 'unknown' : String(status.pending_approvals)} pending`,
  );
  lines.push(
    status.audit.size === null || status.audit.head === null
      ? 'Audit:     no checkpoint yet'
      : `Audit:     size ${String(status.audit.size)}, head ${status.audit.head.slice(0, 16)}…${status.audit.at === null ? '' : ` at ${status.audit.at}`}`,
  );
  if (status.problems.length > 0) {
    lines.push('', paint('Problems:', Ansi.red, c), ...status.problems.map((p) => `  ${p}`));
  }
  lines.push(
    '',
    ...(options.compact === true ? compactLinks(options.links) : linkLines(options.links)),
  );
  return lines.join('\n');
}
