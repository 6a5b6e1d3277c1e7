import { writeFileSync } from 'node:fs';
import { DOCS } from './docs/all-docs.js';

/** `pnpm docs:gen`: regenerates docs/*.md from the code. */
for (const doc of DOCS) {
  writeFileSync(new URL(`../docs/${doc.file}`, import.meta.url), doc.render());
  process.stdout.write(`wrote docs/${doc.file}\n`);
}
