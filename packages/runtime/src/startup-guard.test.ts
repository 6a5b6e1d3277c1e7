import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Log } from './logger.js';
import { guardStartup } from './startup-guard.js';

function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  return {
    emitter,
    exits,
    proc: {
      on: (event: string, listener: (...args: unknown[]) => void) => emitter.on(event, listener),
      off: (event: string, listener: (...args: unknown[]) => void) => emitter.off(event, listener),
      exit: (code: number): never => {
        exits.push(code);
        return undefined as never;
      },
    },
  };
}

function recordingLog() {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, msg: string): void => {
      lines.push({ level, fields, msg });
    };
  const log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  const typed: Log = log;
  return { log: typed, lines };
}

describe('guardStartup', () => {
  it('logs a failed start-up step once, with the error, and exits 1', () => {
    const { emitter, exits, proc } = fakeProcess();
    const { log, lines } = recordingLog();
    guardStartup(log, proc);
    const boom = new Error('nats: permissions violation');
    emitter.emit('uncaughtException', boom);
    expect(lines).toEqual([{ level: 'error', fields: { err: boom }, msg: 'startup failed' }]);
    expect(exits).toEqual([1]);
  });

  it('covers unhandled rejections too', () => {
    const { emitter, exits, proc } = fakeProcess();
    const { log, lines } = recordingLog();
    guardStartup(log, proc);
    emitter.emit('unhandledRejection', new Error('postgres down'));
    expect(lines.map((l) => l.msg)).toEqual(['startup failed']);
    expect(exits).toEqual([1]);
  });

  it('done() hands the fatal errors over (no listener left)', () => {
    const { emitter, exits, proc } = fakeProcess();
    const { log } = recordingLog();
    guardStartup(log, proc).done();
    expect(emitter.listenerCount('uncaughtException')).toBe(0);
    expect(emitter.listenerCount('unhandledRejection')).toBe(0);
    expect(exits).toEqual([]);
  });
});
