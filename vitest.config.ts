import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@fedplane/source'] },
  ssr: { resolve: { conditions: ['@fedplane/source'] } },
  test: {
    // `.ci/run` sums the JSON reports; the chaos run writes its own (VITEST_JSON, see test:chaos).
    reporters: [
      'default',
      ['json', { outputFile: process.env['VITEST_JSON'] ?? '.vitest-results.json' }],
    ],
    coverage: {
      provider: 'v8',
      include: ['packages/core/src/**/*.ts'],
      exclude: ['**/*.test.ts', 'packages/core/src/index.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 95 },
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: [
            'packages/*/src/**/*.test.ts',
            'services/*/src/**/*.test.ts',
            'test/conformance/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          // After the unit group, so CPU-heavy property tests never overlap timed suites.
          sequence: { groupOrder: 1 },
          include: [
            'test/integration/**/*.test.ts',
            'test/cli/**/*.test.ts',
            'test/docs/**/*.test.ts',
          ],
          // Integration suites spawn servers and time leases; run them one file at a time on
          // this 2-core machine so one suite's load cannot starve another's timers.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          // Last: the whole topology as OS processes, alone on the machine.
          sequence: { groupOrder: 2 },
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'chaos',
          // Only through `pnpm test:chaos` (`--project chaos`); `pnpm test:all` names the others.
          sequence: { groupOrder: 3 },
          include: ['test/chaos/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
