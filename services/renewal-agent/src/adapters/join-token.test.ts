import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '@fedplane/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { joinTokenSource, parseTokenLines, tokensFromFile } from './join-token.js';

const TOKEN = 'abcdefghijklmnopqrstuvwxyz012345';
let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'renewal-agent-token-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('joinTokenSource', () => {
  it('none, a value, a file re-read at every call (missing = none)', async () => {
    expect(await joinTokenSource({ kind: 'none' })()).toBeUndefined();
    expect(await joinTokenSource({ kind: 'value', token: TOKEN })()).toBe(TOKEN);
    const path = join(dir, 'token');
    const source = joinTokenSource({ kind: 'file', path });
    expect(await source()).toBeUndefined();
    writeFileSync(path, `  ${TOKEN}\n`);
    expect(await source()).toBe(TOKEN);
    writeFileSync(path, `${TOKEN.toUpperCase()}\n`);
    expect(await source()).toBe(TOKEN.toUpperCase());
    writeFileSync(path, '\n');
    expect(await source()).toBeUndefined();
  });

  it('a malformed token file is an error that does not echo the content', async () => {
    const path = join(dir, 'token');
    writeFileSync(path, 'not a token!\n');
    const err = await joinTokenSource({ kind: 'file', path })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(String((err as Error).message)).not.toContain('not a token');
  });

  it('an unreadable token file rejects', async () => {
    const failing = joinTokenSource({ kind: 'file', path: dir }, () =>
      Promise.reject(Object.assign(new Error('denied'), { code: 'EACCES' })),
    );
    await expect(failing()).rejects.toThrow('denied');
  });
});

describe('simulation tokens', () => {
  it('parses "<node-id> <token>" lines with comments and blanks', async () => {
    const text = `# tokens\nsim-0 ${TOKEN}\n\n  sim-1   ${TOKEN}x \n`;
    expect([...parseTokenLines(text)]).toEqual([
      ['sim-0', TOKEN],
      ['sim-1', `${TOKEN}x`],
    ]);
    const path = join(dir, 'tokens');
    writeFileSync(path, text);
    const source = await tokensFromFile(path);
    expect(await source('sim-1')()).toBe(`${TOKEN}x`);
    expect(await source('sim-1')()).toBe(`${TOKEN}x`);
    expect(await source('sim-9')()).toBeUndefined();
  });

  it.each([`sim-0`, `sim-0 ${TOKEN} extra`, `../x ${TOKEN}`, `sim-0 short`])(
    'refuses the line %j',
    (line) => {
      expect(() => parseTokenLines(line)).toThrow(AppError);
    },
  );
});
