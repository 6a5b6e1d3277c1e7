import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runInProcess } from './in-process.js';

const WORDS = [
  'credential',
  'verify',
  'inspect',
  'inventory',
  'validate',
  'plan',
  'approvals',
  'sign',
  '--json',
  '--bundle',
  '--chain',
  '--now',
  '--inventory',
  '--observed',
  '--previous-present',
  '--shrink-guard',
  '--secret',
  '--id',
  '--timestamp',
  '--body',
  '--body-file',
  'f',
  'v1=AAAA',
  '-h',
];

describe('fedplane never crashes on arbitrary input', () => {
  it('any argv and any file contents give exit 0, 1 or 2 and no stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 12 })), {
          maxLength: 8,
        }),
        fc.oneof(fc.string({ maxLength: 200 }), fc.json()),
        async (argv, contents) => {
          const run = await runInProcess(argv, { f: contents });
          expect([0, 1, 2]).toContain(run.code);
          expect(run.err).not.toMatch(/\n\s+at .+:\d+:\d+/);
          expect(run.err).not.toContain('internal error');
          expect(run.out).not.toContain('"INTERNAL"');
          if (
            argv.includes('--json') &&
            run.out.trim() !== '' &&
            !argv.includes('-h') &&
            !argv.includes('--help')
          ) {
            const last = run.out.trim().split('\n').at(-1)!;
            if (last.startsWith('{')) expect(() => JSON.parse(last) as unknown).not.toThrow();
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
