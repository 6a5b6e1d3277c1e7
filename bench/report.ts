import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The result format of every bench scenario (operations.md, Benchmarks) and how it is printed
 * and written to `bench/results/<scenario>.json`.
 */

/** One measured figure. */
export type Figure = { readonly value: number; readonly unit: string };

/** What a scenario returns. */
export type BenchResult = {
  readonly scenario: string;
  /** RFC 3339. */
  readonly at: string;
  /** Cores, memory, node version. */
  readonly machine: string;
  readonly figures: Readonly<Record<string, Figure>>;
  readonly baseline: {
    readonly name: string;
    readonly value: number;
    readonly unit: string;
  } | null;
  readonly ratio: number | null;
  readonly params: Readonly<Record<string, unknown>>;
};

/** A scenario module: `run()` measures and returns its result. */
export type Scenario = { readonly run: () => Promise<BenchResult> };

/** `<cores> cores (<model>), <GiB> GiB, node <version>`. */
export function machineDescription(): string {
  const list = cpus();
  const model = (list[0]?.model ?? 'unknown cpu').replace(/\s+/g, ' ').trim();
  const gib = Math.round((totalmem() / 2 ** 30) * 10) / 10;
  return `${list.length} cores (${model}), ${gib} GiB, node ${process.version}`;
}

/** Rounds to `digits` significant decimals for display and JSON. */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The result as a small text table. */
export function formatTable(result: BenchResult): string {
  const rows: [string, string][] = Object.entries(result.figures).map(([name, f]) => [
    name,
    `${f.value} ${f.unit}`,
  ]);
  if (result.baseline !== null) {
    rows.push([
      `baseline: ${result.baseline.name}`,
      `${result.baseline.value} ${result.baseline.unit}`,
    ]);
  }
  if (result.ratio !== null) rows.push(['ratio', String(result.ratio)]);
  const width = Math.max(...rows.map(([k]) => k.length), 6);
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  return [`${result.scenario}  (${result.machine})`, ...lines].join('\n');
}

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

/** Writes `bench/results/<scenario>.json`; returns the path. */
export async function writeResult(result: BenchResult): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${result.scenario}.json`);
  await writeFile(path, `${JSON.stringify(result, null, 2)}\n`, 'utf8');
  return path;
}
