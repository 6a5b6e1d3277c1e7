import { readFileSync, writeFileSync } from 'node:fs';
import { DOCS } from './docs/all-docs.js';
import { ENV_EXAMPLE_FILE, renderEnvExample } from './docs/env-example.js';

/** `pnpm docs:gen`: regenerates docs/*.md from the code. */
for (const doc of DOCS) {
  writeFileSync(new URL(`../docs/${doc.file}`, import.meta.url), doc.render());
  process.stdout.write(`wrote docs/${doc.file}\n`);
}
const compose = readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8');
writeFileSync(new URL(`../${ENV_EXAMPLE_FILE}`, import.meta.url), renderEnvExample(compose));
process.stdout.write(`wrote ${ENV_EXAMPLE_FILE}\n`);
