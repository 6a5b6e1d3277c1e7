import { describe, expect, it } from 'vitest';
import { Ansi, formatLogLine } from './log-format.js';

const plain = { color: false, nameWidth: 8 };

describe('formatLogLine', () => {
  it('renders a pino line as time, source, level, message and fields', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
      pid: 1,
      hostname: 'h',
      service: 'issuer',
      msg: 'issuer started',
      agent_id: 'svc/issuer/local',
      port: 8080,
    });
    expect(formatLogLine('issuer', line, plain)).toEqual({
      level: 30,
      text: '03:04:05.678 issuer   INFO  issuer started agent_id=svc/issuer/local port=8080',
    });
  });

  it('quotes values with spaces, shows the message of an error and truncates long values', () => {
    const line = JSON.stringify({
      level: 50,
      time: 0,
      msg: 'failed',
      err: { type: 'Error', message: 'boom here', stack: 'x' },
      note: 'a b',
      big: 'x'.repeat(400),
    });
    const out = formatLogLine('a', line, plain);
    expect(out.level).toBe(50);
    expect(out.text).toContain('ERROR failed err="boom here" note="a b" big=');
    expect(out.text).toContain('…');
    expect(out.text.length).toBeLessThan(260);
  });

  it('maps every pino level to its label', () => {
    const labels = [10, 20, 30, 40, 50, 60, 5].map(
      (level) => formatLogLine('x', JSON.stringify({ level, msg: 'm' }), plain).text,
    );
    expect(labels.map((t) => /(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)/.exec(t)?.[1])).toEqual([
      'TRACE',
      'DEBUG',
      'INFO',
      'WARN',
      'ERROR',
      'FATAL',
      'TRACE',
    ]);
  });

  it('shows non-JSON lines as they are, at info level', () => {
    expect(formatLogLine('nats', '[1] Server is ready', plain)).toEqual({
      level: 30,
      text: `${' '.repeat(12)} nats     [1] Server is ready`,
    });
    expect(formatLogLine('nats', '{not json', plain).text).toContain('{not json');
    expect(formatLogLine('nats', '[1,2]', plain).text).toContain('[1,2]');
  });

  it('colors the level and the source only when asked', () => {
    const line = JSON.stringify({ level: 40, time: 0, msg: 'careful' });
    const colored = formatLogLine('svc', line, { color: true, nameWidth: 3 }).text;
    expect(colored).toContain(`${Ansi.yellow}WARN ${Ansi.reset}`);
    expect(colored).toContain(`${Ansi.cyan}svc${Ansi.reset}`);
    expect(formatLogLine('svc', line, plain).text).not.toContain('\u001b[');
  });
});

describe('nats-server lines', () => {
  it('ranks bracketed levels so the banner stays below INFO and errors show', () => {
    const level = (line: string): number => formatLogLine('nats', line, plain).level;
    expect(level('[1] 2026/01/01 00:00:00.000000 [INF] Server is ready')).toBe(25);
    expect(level('[1] [WRN] slow consumer')).toBe(40);
    expect(level('[1] [ERR] bad')).toBe(50);
    expect(level('[1] [FTL] dead')).toBe(60);
    expect(level('[1] [DBG] x')).toBe(20);
    expect(level('[1] [TRC] x')).toBe(10);
  });
});

describe('level labels', () => {
  it('accepts pino levels written as labels', () => {
    const level = (l: unknown): number =>
      formatLogLine('x', JSON.stringify({ level: l, msg: 'm' }), plain).level;
    expect([
      level('error'),
      level('WARN'),
      level('info'),
      level('debug'),
      level('trace'),
      level('fatal'),
    ]).toEqual([50, 40, 30, 20, 10, 60]);
    expect(level('loud')).toBe(30);
    expect(level(null)).toBe(30);
  });
});
