import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { BenchResult } from './report.js';

/**
 * `pnpm tsx bench/readme.ts`: regenerates `bench/README.md` from `bench/results/*.json` — how to
 * run, the machine(s) the figures were measured on, one row per figure with its baseline, ratio,
 * target and whether it is met, and one line of why for each missed target. The numbers are
 * copied from the JSON files as they are; targets are those of the issues (1–8); the reasons
 * for misses are kept in {@link WHY} (update them when a bench is re-run and the story changes).
 */

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, 'results');

/** A target on one figure (or on the ratio, figure `ratio`). */
type Target = {
  readonly scenario: string;
  /** A figure name, `ratio`, or a prefix ending in `*` (every figure it matches). */
  readonly figure: string;
  readonly op: '>=' | '<=' | '<' | '==';
  readonly value: number;
  /** Where the target comes from. */
  readonly source: string;
};

/** The targets stated in the issues; scenarios not listed have none. */
const TARGETS: readonly Target[] = [
  { scenario: 'issue', figure: 'renewals_per_s', op: '>=', value: 1500, source: 'issue 4' },
  { scenario: 'issue', figure: 'ratio', op: '>=', value: 0.3, source: 'issue 4' },
  { scenario: 'renewal-storm', figure: 'lapses', op: '==', value: 0, source: 'issue 4' },
  { scenario: 'audit-ingest', figure: 'events_per_s', op: '>=', value: 5000, source: 'issue 3' },
  { scenario: 'audit-ingest', figure: 'ratio', op: '>=', value: 0.5, source: 'issue 3' },
  { scenario: 'sync-quorum', figure: 'writes_per_s_n3', op: '>=', value: 2000, source: 'issue 6' },
  { scenario: 'sync-quorum', figure: 'p99_ms_n3', op: '<=', value: 50, source: 'issue 6' },
  { scenario: 'catch-up', figure: 'records_per_s', op: '>=', value: 5000, source: 'issue 6' },
  { scenario: 'service-memory', figure: 'rss_mb_*', op: '<', value: 150, source: 'issue 8' },
];

/**
 * One line of why per missed target, keyed `<scenario>/<figure>` (or `<scenario>/ratio`).
 * A miss without an entry is listed as unexplained.
 */
const WHY: Readonly<Record<string, string>> = {
  'issue/renewals_per_s':
    'CPU-bound on the shared 2-core machine: ~1.5 ms of CPU per audited renewal across issuer, auditor, Postgres and NATS (params.cpu_ms_per_renewal_by_process) caps it near 1,300/s even with both cores free.',
  'issue/ratio':
    'same cost: the raw bound counts only the Ed25519 work, while a renewal also pays a Postgres write, the event and its audit.',
  'audit-ingest/ratio':
    'one Ed25519 verification per event plus chain hashing per row cost more than a plain INSERT of the already-hashed row; the baseline does none of that work.',
  'renewal-storm/lapses':
    'agents whose last reported not_after passed before a renewal got through the restarted issuer (params.lapse_examples; params.lapses_before_outage tells whether any lapsed before the outage). Being tuned by the identity bench owner.',
  'sync-quorum/writes_per_s_n3':
    "CPU-bound on the 2 cores that three gateways, nats-server and Postgres share: compare cpu_us_per_write_n3 with the same-run floor (floor_cpu_us_per_write_n3: the design's own work done raw — 1 Ed25519 sign + 2 verifies, the publish with its 3 deliveries and acks, the 3 upserts — params.floor_n3); 2,000/s on two cores allows at most 1,000 µs of CPU per write in all. Rates move ±15% between runs on this shared machine.",
  'sync-quorum/p99_ms_n3':
    "queueing at saturation: 64 closed-loop writers wait 64 / rate on average (Little's law), so the p99 follows the rate; from 8 writers (p99_ms_n3_low_concurrency) it is far under 50 ms.",
  'service-memory/rss_mb_sync_gateway':
    'grows from ~145 MB at the start of the load to 230–340 MB after 60 s of pushes (three runs; one gateway fell back from 232 to 177 MB by the end, so part of it is reclaimable), but a heap snapshot of one gateway (BENCH_HEAP_SNAPSHOT_DIR) holds only 26 → 37 MB of live JS objects: the growth is not retained objects of the main isolate (its caches are bounded) but native/off-heap memory — the verify worker thread (its own isolate, with tsx loaded too) and allocator growth are the suspects; not yet pinned down. tsx alone adds ~35 MB to every process (the images run esbuild bundles).',
  'service-memory/rss_mb_approvals':
    'by a few MB, at start-up plus 200 open SSE subscribers; about 35 MB of every process here is the tsx loader, which the images (esbuild bundles) do not carry.',
};

type Row = {
  readonly scenario: string;
  readonly figure: string;
  readonly value: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly target: string;
  readonly met: string;
};

type Miss = { readonly key: string; readonly text: string };

function readResults(): BenchResult[] {
  return readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as BenchResult);
}

function targetFor(scenario: string, figure: string): Target | undefined {
  return TARGETS.find(
    (t) =>
      t.scenario === scenario &&
      (t.figure === figure || (t.figure.endsWith('*') && figure.startsWith(t.figure.slice(0, -1)))),
  );
}

function holds(value: number, t: Target): boolean {
  if (t.op === '>=') return value >= t.value;
  if (t.op === '<=') return value <= t.value;
  if (t.op === '<') return value < t.value;
  return value === t.value;
}

/** How far off a miss is: a factor for rates, a difference for counts. */
function shortBy(value: number, t: Target): string {
  if (t.op === '==') return `${String(value)} instead of ${String(t.value)}`;
  if (value === 0 || t.value === 0) return `${String(value)} vs ${String(t.value)}`;
  const factor = t.op === '>=' ? t.value / value : value / t.value;
  return `missed by ${factor.toFixed(2)}×`;
}

function rowsOf(result: BenchResult, misses: Miss[]): Row[] {
  const baseline =
    result.baseline === null
      ? '—'
      : `${String(result.baseline.value)} ${result.baseline.unit} (${result.baseline.name})`;
  const judge = (figure: string, value: number, unit: string): Pick<Row, 'target' | 'met'> => {
    const t = targetFor(result.scenario, figure);
    if (t === undefined) return { target: '—', met: '—' };
    const ok = holds(value, t);
    const unitText = figure === 'ratio' ? '' : ` ${unit}`;
    const target = `${t.op === '==' ? '=' : t.op.replace('>=', '≥').replace('<=', '≤')} ${String(t.value)}${unitText} (${t.source})`;
    if (!ok) {
      const key = `${result.scenario}/${figure}`;
      const why =
        WHY[key] ?? WHY[`${result.scenario}/${t.figure}`] ?? 'no explanation recorded yet.';
      misses.push({
        key,
        text: `\`${result.scenario}\` \`${figure}\` = ${String(value)}${unitText}, target ${target}: ${shortBy(value, t)} — ${why}`,
      });
    }
    return { target, met: ok ? 'yes' : '**no**' };
  };
  const rows: Row[] = Object.entries(result.figures).map(([figure, f], i) => ({
    scenario: i === 0 ? `\`${result.scenario}\`` : '',
    figure: `\`${figure}\``,
    value: `${String(f.value)} ${f.unit}`,
    baseline: i === 0 ? baseline : '',
    ratio: i === 0 && result.ratio !== null ? String(result.ratio) : '',
    ...judge(figure, f.value, f.unit),
  }));
  if (result.ratio !== null && targetFor(result.scenario, 'ratio') !== undefined) {
    rows.push({
      scenario: '',
      figure: 'ratio',
      value: String(result.ratio),
      baseline: '',
      ratio: '',
      ...judge('ratio', result.ratio, ''),
    });
  }
  return rows;
}

function loadOf(result: BenchResult): string {
  const p = result.params;
  const load = p['load_average_at_start'] ?? p['load_avg_1m'];
  return load === undefined ? '' : `, load average ${JSON.stringify(load)}`;
}

/** The README text for `results`. */
export function renderReadme(results: readonly BenchResult[]): string {
  const misses: Miss[] = [];
  const rows = results.flatMap((r) => rowsOf(r, misses));
  const machines = [...new Set(results.map((r) => r.machine))];
  const table = [
    '| scenario | figure | value | same-run baseline | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.figure} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met} |`,
    ),
  ];
  return [
    '# Benchmarks',
    '',
    '<!-- Generated by `pnpm tsx bench/readme.ts` from bench/results/*.json; do not edit by hand. -->',
    '',
    'The scenarios of `design/operations.md` (Benchmarks), plus `service-memory` (issue 8: each',
    "service's RSS under load). Each one measures its same-run baseline where the design names one",
    'and reports the ratio, because absolute numbers on a shared 2-core machine drift.',
    '',
    '## Running',
    '',
    '```sh',
    'pnpm bench                 # every scenario, in turn',
    'pnpm bench <scenario>      # one of them, e.g. pnpm bench service-memory',
    'pnpm tsx bench/readme.ts   # regenerate this file from bench/results/*.json',
    '```',
    '',
    'Each run prints a table and writes `bench/results/<scenario>.json` (`scenario`, `at`, `machine`,',
    '`figures`, `baseline`, `ratio`, `params`). Scenarios take their sizes from `BENCH_*` variables',
    '(documented at the top of each `bench/scenarios/<scenario>.ts`) and need `DATABASE_URL` and',
    '`nats-server`, as the integration tests do.',
    '',
    '## Machine',
    '',
    ...machines.map((m) => `- ${m}`),
    '',
    'Shared with other work while measuring (load averages per scenario below): the figures are',
    'those of one run each, not the best of several.',
    '',
    '## Results',
    '',
    ...table,
    '',
    'Measured at:',
    '',
    ...results.map((r) => `- \`${r.scenario}\`: ${r.at}${loadOf(r)}`),
    '',
    '## Missed targets',
    '',
    ...(misses.length === 0 ? ['None.'] : misses.map((m) => `- ${m.text}`)),
    '',
  ].join('\n');
}

const out = join(BENCH_DIR, 'README.md');
// Formatted as `pnpm prettier --check` wants it, so regenerating never leaves a style diff.
const formatted = await format(renderReadme(readResults()), {
  ...(await resolveConfig(out)),
  parser: 'markdown',
});
writeFileSync(out, formatted, 'utf8');
process.stdout.write(`written ${out}\n`);
