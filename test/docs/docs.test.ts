import { readFileSync } from 'node:fs';
import { EVENT_TYPES, ERROR_CODES } from '@fedplane/core';
import { FixedSubject, StreamName, BucketName } from '@fedplane/messaging';
import { describe, expect, it } from 'vitest';
import { DOCS } from '../../scripts/docs/all-docs.js';

const read = (file: string) => readFileSync(new URL(`../../docs/${file}`, import.meta.url), 'utf8');

describe('generated docs match the code', () => {
  it.each(DOCS)(
    'docs/$file is current (run `pnpm docs:gen` after changing the code)',
    ({ file, render }) => {
      expect(read(file)).toBe(render());
    },
  );

  it('every error code, event type, subject, stream and bucket appears in the docs', () => {
    const all = DOCS.map((d) => read(d.file)).join('\n');
    const names = [
      ...ERROR_CODES,
      ...Object.keys(EVENT_TYPES),
      ...Object.values(FixedSubject),
      ...Object.values(StreamName),
      ...Object.values(BucketName),
    ];
    expect(
      names.filter((n) => !all.includes(`\`${n}\``) && !all.includes(`\`fed.evt.${n}`)),
    ).toEqual([]);
  });
});
