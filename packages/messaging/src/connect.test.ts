import { describe, expect, it } from 'vitest';
import type { Status, Subscription } from '@nats-io/nats-core';
import { logNatsStatus } from './connect.js';
import { SILENT_LOG, type Log } from './log.js';

function recorder(): { log: Log; lines: [string, object, string][] } {
  const lines: [string, object, string][] = [];
  const at =
    (level: string) =>
    (obj: object, msg: string): void => {
      lines.push([level, obj, msg]);
    };
  return {
    lines,
    log: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') },
  };
}

const sub = { getSubject: () => 'fed.evt.>' } as Subscription;
const err = new Error('boom');

describe('logNatsStatus', () => {
  it.each<[Status, string, string, object]>([
    [{ type: 'disconnect', server: 's1' }, 'warn', 'nats disconnected', { server: 's1' }],
    [{ type: 'reconnect', server: 's2' }, 'info', 'nats reconnected', { server: 's2' }],
    [{ type: 'reconnecting' }, 'debug', 'nats reconnecting', {}],
    [
      { type: 'update', added: ['a'] },
      'info',
      'nats cluster updated',
      { added: ['a'], deleted: [] },
    ],
    [
      { type: 'update', deleted: ['b'] },
      'info',
      'nats cluster updated',
      { added: [], deleted: ['b'] },
    ],
    [
      { type: 'ldm', server: 's3' },
      'warn',
      'nats server entering lame duck mode',
      { server: 's3' },
    ],
    [{ type: 'error', error: err }, 'error', 'nats server error', { err }],
    [{ type: 'ping', pendingPings: 2 }, 'debug', 'nats ping outstanding', { pending_pings: 2 }],
    [{ type: 'staleConnection' }, 'warn', 'nats connection stale', {}],
    [
      { type: 'slowConsumer', sub, pending: 9 },
      'warn',
      'nats slow consumer',
      { subject: 'fed.evt.>', pending: 9 },
    ],
    [{ type: 'forceReconnect' }, 'info', 'nats reconnect forced', {}],
    [{ type: 'close' }, 'info', 'nats connection closed', {}],
  ])('%o → %s %s', (status, level, msg, obj) => {
    const { log, lines } = recorder();
    logNatsStatus(log, status);
    expect(lines).toEqual([[level, obj, msg]]);
  });

  it('the silent log accepts everything', () => {
    for (const level of ['info', 'warn', 'error', 'debug'] as const) {
      expect(SILENT_LOG[level]({}, 'x')).toBeUndefined();
    }
  });
});
