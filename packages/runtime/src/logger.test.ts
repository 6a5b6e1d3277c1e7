import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LogField } from './log-fields.js';
import { createLogger, REDACTED, SECRET_KEYS, silentLog } from './logger.js';

function capture(level: 'info' | 'debug' | 'warn' = 'info') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  const log = createLogger({
    service: 'auditor',
    level,
    instance: 'i-1',
    version: '1.2.3',
    destination,
  });
  const records = (): Record<string, unknown>[] =>
    lines.flatMap((chunk) => chunk.split('\n').filter((l) => l !== '')).map((l) => JSON.parse(l));
  return { log, records };
}

describe('createLogger', () => {
  it('writes JSON lines with the base fields and a level label', () => {
    const { log, records } = capture();
    log.info({ [LogField.subject]: 'fed.evt.x' }, 'event received');
    const [line] = records();
    expect(line).toMatchObject({
      level: 'info',
      service: 'auditor',
      version: '1.2.3',
      instance: 'i-1',
      subject: 'fed.evt.x',
      msg: 'event received',
    });
    expect(typeof line?.time).toBe('number');
  });

  it('honours the level', () => {
    const { log, records } = capture('warn');
    log.info({}, 'dropped');
    log.warn({}, 'kept');
    expect(records().map((r) => r.msg)).toEqual(['kept']);
  });

  it('defaults the version to dev', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    createLogger({ service: 's', level: 'info', instance: 'i', destination }).info({}, 'x');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ version: 'dev' });
  });

  it('serializes errors under err', () => {
    const { log, records } = capture();
    log.error({ err: new TypeError('boom') }, 'failed');
    expect(records()[0]?.err).toMatchObject({ type: 'TypeError', message: 'boom' });
  });

  it.each(SECRET_KEYS.map((k) => [k]))('redacts %s at depth 0, 1 and 2', (key) => {
    const { log, records } = capture();
    log.info({ [key]: 'S0', a: { [key]: 'S1', b: { [key]: 'S2' } } }, 'x');
    const text = JSON.stringify(records()[0]);
    expect(text).not.toMatch(/S0|S1|S2/);
    expect(records()[0]?.[key]).toBe(REDACTED);
  });

  it('redacts request secrets and keeps other headers', () => {
    const { log, records } = capture();
    log.info(
      {
        req: {
          headers: {
            authorization: 'Bearer t',
            'x-api-key': 'k',
            cookie: 'c',
            'fed-signature': 'ed25519=sig',
            host: 'h',
          },
        },
      },
      'request',
    );
    expect(records()[0]?.req).toEqual({
      headers: {
        authorization: REDACTED,
        'x-api-key': REDACTED,
        cookie: REDACTED,
        'fed-signature': REDACTED,
        host: 'h',
      },
    });
  });
});

describe('silentLog', () => {
  it('accepts every call', () => {
    expect(() => {
      silentLog.info({}, 'a');
      silentLog.warn({}, 'b');
      silentLog.error({}, 'c');
      silentLog.debug({}, 'd');
    }).not.toThrow();
  });
});
