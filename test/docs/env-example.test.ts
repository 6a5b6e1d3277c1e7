import { readFileSync } from 'node:fs';
import { BaseEnvSchema, describeEnv } from '@fedplane/runtime';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CONFIG_SOURCES } from '../../scripts/docs/configuration-doc.js';
import {
  ENV_EXAMPLE_FILE,
  composeVariables,
  renderEnvExample,
} from '../../scripts/docs/env-example.js';

const root = new URL('../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');

describe('.env.example', () => {
  it('is current (run `pnpm docs:gen` after changing an env schema or docker-compose.yml)', () => {
    expect(read(ENV_EXAMPLE_FILE)).toBe(renderEnvExample(read('docker-compose.yml')));
  });

  it('lists every variable of every schema', () => {
    const text = read(ENV_EXAMPLE_FILE);
    const names = CONFIG_SOURCES.flatMap(({ schema }) => describeEnv(schema).map((r) => r.name));
    expect(names.filter((n) => !new RegExp(`^(# )?${n}=`, 'm').test(text))).toEqual([]);
  });

  it('never prints a secret default and lists required variables uncommented', () => {
    const text = renderEnvExample('', [{ service: 'every service', schema: BaseEnvSchema }]);
    expect(text).toContain('\n# NATS_PASSWORD=\n');
    expect(text).toContain('\n# NATS_URL=nats://127.0.0.1:4222\n');
    const required = renderEnvExample('', [
      { service: 'x', schema: BaseEnvSchema.extend({ EXTRA_REQUIRED: z.string() }) },
    ]);
    expect(required).toContain('\nEXTRA_REQUIRED=\n');
  });

  it('reads ${NAME:-default} variables from a compose file, first use wins', () => {
    expect(composeVariables('a: ${A:-x}\nb: ${B}\nc: ${A:-y} ${C-z}')).toEqual([
      { name: 'A', default: 'x' },
      { name: 'B', default: '' },
      { name: 'C', default: 'z' },
    ]);
  });
});
