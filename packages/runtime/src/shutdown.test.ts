import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Log } from './logger.js';
import { createReadiness } from './readiness.js';
import { onShutdown, type ShutdownProcess, type ShutdownReason } from './shutdown.js';

function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const proc: ShutdownProcess = {
    on: (event, listener) => emitter.on(event, listener),
    off: (event, listener) => emitter.off(event, listener),
    // The real exit never returns; the fake records the code so the test can look at it.
    exit: ((code: number) => exits.push(code)) as (code: number) => never,
  };
  const emit = (event: string, ...args: unknown[]): void => {
    emitter.emit(event, ...args);
  };
  return { proc, exits, emit, emitter };
}

function recordingLog() {
  const entries: { level: string; obj: object; msg: string }[] = [];
  const at =
    (level: string) =>
    (obj: object, msg: string): void => {
      entries.push({ level, obj, msg });
    };
  const log: Log = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
  return { log, entries };
}

function deferred() {
  let resolve: () => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('onShutdown', () => {
  it('first SIGTERM: drains readiness, runs stop once, exits 0', async () => {
    const { proc, emit, exits } = fakeProcess();
    const { log, entries } = recordingLog();
    const readiness = createReadiness();
    const gate = deferred();
    const reasons: ShutdownReason[] = [];
    const handle = onShutdown({ log, readiness, process: proc, deadlineMs: 5_000 }, (reason) => {
      reasons.push(reason);
      return gate.promise;
    });
    emit('SIGTERM', 'SIGTERM');
    expect(handle.stopping).toBe(true);
    expect(readiness.evaluate().ready).toBe(false);
    expect(reasons).toEqual([{ kind: 'signal', signal: 'SIGTERM' }]);
    expect(exits).toEqual([]);
    gate.resolve();
    await vi.waitFor(() => expect(exits).toEqual([0]));
    expect(entries.map((e) => e.msg)).toEqual(['shutdown started', 'shutdown complete']);
    handle.dispose();
  });

  it('second signal exits 1 at once', () => {
    const { proc, emit, exits } = fakeProcess();
    const { log } = recordingLog();
    const handle = onShutdown({ log, process: proc }, () => new Promise(() => undefined));
    emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([]);
    emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([1]);
    // A third signal does not exit twice.
    emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([1]);
    handle.dispose();
  });

  it('deadline passing exits 1', () => {
    vi.useFakeTimers();
    const { proc, emit, exits } = fakeProcess();
    const { log, entries } = recordingLog();
    const handle = onShutdown(
      { log, process: proc, deadlineMs: 1_000 },
      () => new Promise(() => undefined),
    );
    emit('SIGTERM', 'SIGTERM');
    vi.advanceTimersByTime(999);
    expect(exits).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(exits).toEqual([1]);
    expect(entries.at(-1)?.msg).toBe('shutdown deadline passed');
    handle.dispose();
  });

  it('stop rejecting exits 1', async () => {
    const { proc, emit, exits } = fakeProcess();
    const { log, entries } = recordingLog();
    const handle = onShutdown({ log, process: proc }, () =>
      Promise.reject(new Error('pool end failed')),
    );
    emit('SIGTERM', 'SIGTERM');
    await vi.waitFor(() => expect(exits).toEqual([1]));
    expect(entries.at(-1)).toMatchObject({ level: 'error', msg: 'shutdown failed' });
    handle.dispose();
  });

  it('a fatal error starts the stop and exits 1 after it; a second fatal forces', async () => {
    const { proc, emit, exits } = fakeProcess();
    const { log, entries } = recordingLog();
    const gate = deferred();
    const reasons: ShutdownReason[] = [];
    const handle = onShutdown({ log, process: proc }, (reason) => {
      reasons.push(reason);
      return gate.promise;
    });
    const boom = new Error('boom');
    emit('unhandledRejection', boom);
    expect(reasons).toEqual([{ kind: 'fatal', error: boom }]);
    expect(entries[0]).toMatchObject({ level: 'error', msg: 'shutdown started' });
    gate.resolve();
    await vi.waitFor(() => expect(exits).toEqual([1]));

    const second = fakeProcess();
    const exits2 = second.exits;
    const h2 = onShutdown({ log, process: second.proc }, () => new Promise(() => undefined));
    second.emit('uncaughtException', new Error('a'));
    second.emit('uncaughtException', new Error('b'));
    expect(exits2).toEqual([1]);
    handle.dispose();
    h2.dispose();
  });

  it('trigger starts a requested stop; dispose removes every listener', async () => {
    const { proc, emitter, exits } = fakeProcess();
    const { log } = recordingLog();
    const handle = onShutdown({ log, process: proc, signals: ['SIGHUP'] }, () => Promise.resolve());
    expect(emitter.listenerCount('SIGHUP')).toBe(1);
    expect(emitter.listenerCount('SIGTERM')).toBe(0);
    expect(emitter.listenerCount('uncaughtException')).toBe(1);
    handle.trigger({ kind: 'requested', why: 'task failed' });
    await vi.waitFor(() => expect(exits).toEqual([0]));
    handle.dispose();
    expect(emitter.listenerCount('SIGHUP')).toBe(0);
    expect(emitter.listenerCount('uncaughtException')).toBe(0);
    expect(emitter.listenerCount('unhandledRejection')).toBe(0);
  });

  it('catchFatal false leaves fatal events alone', () => {
    const { proc, emitter } = fakeProcess();
    const { log } = recordingLog();
    const handle = onShutdown({ log, process: proc, catchFatal: false }, () => Promise.resolve());
    expect(emitter.listenerCount('uncaughtException')).toBe(0);
    handle.dispose();
    expect(emitter.listenerCount('SIGTERM')).toBe(0);
  });
});
