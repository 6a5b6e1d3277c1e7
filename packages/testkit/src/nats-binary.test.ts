import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findNatsServerBinary } from './nats-binary.js';

const root = mkdtempSync(join(tmpdir(), 'fp-natsbin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Creates `<root>/<dir>/nats-server` with the given mode and returns its directory. */
function binDir(dir: string, mode: number): string {
  const path = join(root, dir);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'nats-server'), '#!/bin/sh\n');
  chmodSync(join(path, 'nats-server'), mode);
  return path;
}

describe('findNatsServerBinary', () => {
  const good = binDir('good', 0o755);
  const other = binDir('other', 0o755);
  const notExec = binDir('not-exec', 0o644);
  const empty = join(root, 'empty');
  mkdirSync(empty);
  const noFallback = join(root, 'missing', 'nats-server');

  it('prefers NATS_BIN over PATH', () => {
    const env = { NATS_BIN: join(other, 'nats-server'), PATH: good };
    expect(findNatsServerBinary(env, noFallback)).toEqual({
      ok: true,
      path: join(other, 'nats-server'),
    });
  });

  it('reports a wrong NATS_BIN instead of silently falling back to PATH', () => {
    const r = findNatsServerBinary(
      { NATS_BIN: join(notExec, 'nats-server'), PATH: good },
      noFallback,
    );
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toMatch(
      /^nats-server not found: NATS_BIN=.*not-exec\/nats-server is not an executable file; install it \(apt-get install nats-server\)/,
    );
    expect(findNatsServerBinary({ NATS_BIN: good }, noFallback).ok).toBe(false); // a directory
  });

  it('searches PATH in order, skipping empty entries and non-executable files', () => {
    const env = { PATH: ['', empty, notExec, good, other].join(':') };
    expect(findNatsServerBinary(env, noFallback)).toEqual({
      ok: true,
      path: join(good, 'nats-server'),
    });
  });

  it('falls back to the default path, then fails with one line naming both places', () => {
    expect(findNatsServerBinary({ PATH: empty }, join(good, 'nats-server'))).toEqual({
      ok: true,
      path: join(good, 'nats-server'),
    });
    const r = findNatsServerBinary({}, noFallback);
    expect(r).toEqual({
      ok: false,
      message: `nats-server not found on PATH or at ${noFallback}; install it (apt-get install nats-server), or set NATS_BIN to the binary or NATS_URL to a running server with JetStream`,
    });
  });
});
