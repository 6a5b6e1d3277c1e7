import { formatTable, writeResult, type Scenario } from './report.js';

/**
 * `pnpm bench [scenario]`: runs one scenario, or all of them, printing a table and writing
 * `bench/results/<scenario>.json` for each (operations.md, Benchmarks).
 */

const SCENARIOS: Readonly<Record<string, () => Promise<Scenario>>> = {
  'audit-ingest': () => import('./scenarios/audit-ingest.js'),
  'approvals-fanout': () => import('./scenarios/approvals-fanout.js'),
  issue: () => import('./scenarios/issue.js'),
  'renewal-storm': () => import('./scenarios/renewal-storm.js'),
  reconcile: () => import('./scenarios/reconcile.js'),
  'sync-quorum': () => import('./scenarios/sync-quorum.js'),
  'catch-up': () => import('./scenarios/catch-up.js'),
  'service-memory': () => import('./scenarios/service-memory.js'),
};

async function main(): Promise<number> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}\n`,
    );
    return 2;
  }
  const names = wanted.length > 0 ? wanted : Object.keys(SCENARIOS);
  for (const name of names) {
    const load = SCENARIOS[name];
    if (load === undefined) continue;
    process.stderr.write(`running ${name}…\n`);
    const result = await (await load()).run();
    process.stdout.write(`${formatTable(result)}\n`);
    const path = await writeResult(result);
    process.stdout.write(`  written to ${path}\n`);
  }
  return 0;
}

process.exitCode = await main();
