import { describe, expect, it } from 'vitest';
import { createScreen, fitLine } from './screen.js';

describe('screen', () => {
  it('off a terminal: plain lines, and the status only when it changed', () => {
    let out = '';
    const screen = createScreen({
      sink: { write: (t) => (out += t) },
      tty: false,
      minLevel: 30,
      nameWidth: 6,
    });
    screen.line('svc', JSON.stringify({ level: 20, msg: 'hidden' }));
    screen.line('svc', JSON.stringify({ level: 30, time: 0, msg: 'shown' }));
    screen.status('STATUS A', 'a');
    screen.status('STATUS A again', 'a');
    screen.status('STATUS B', 'b');
    expect(out).not.toContain('hidden');
    expect(out).toContain('svc    INFO  shown');
    expect(out).not.toContain('again');
    expect(out).toContain('STATUS B');
    expect(out).not.toContain('\u001b[');
  });

  it('on a terminal: the status stays pinned below the log lines', () => {
    let out = '';
    const screen = createScreen({
      sink: { write: (t) => (out += t) },
      tty: true,
      minLevel: 30,
      nameWidth: 3,
    });
    screen.status('line 1\nline 2', 'k');
    out = '';
    screen.say('hello');
    // Clears the 3-line footer (rule + 2 lines), prints the line, redraws the footer.
    expect(out.startsWith('\u001b[3A\r\u001b[0J')).toBe(true);
    expect(out).toContain('hello');
    expect(out.endsWith('line 1\nline 2\n')).toBe(true);
    out = '';
    screen.release();
    expect(out).toBe('\u001b[3A\r\u001b[0J');
  });

  it('a closed output does not throw', () => {
    const screen = createScreen({
      sink: {
        write: () => {
          throw new Error('EIO');
        },
      },
      tty: false,
      minLevel: 30,
      nameWidth: 3,
    });
    expect(() => screen.say('x')).not.toThrow();
  });

  it('cuts pinned lines to the terminal width', () => {
    expect(fitLine('short', 80)).toBe('short');
    expect(fitLine('\u001b[32mgreen\u001b[0m', 80)).toBe('\u001b[32mgreen\u001b[0m');
    expect(fitLine('x'.repeat(100), 20)).toBe(`${'x'.repeat(18)}…`);
    expect(fitLine(`\u001b[32m${'y'.repeat(30)}\u001b[0m`, 20)).toBe(`${'y'.repeat(18)}…`);
    expect(fitLine('x'.repeat(100), undefined)).toHaveLength(100);
    let out = '';
    const screen = createScreen({
      sink: { write: (t) => (out += t) },
      tty: true,
      minLevel: 30,
      nameWidth: 3,
      columns: () => 20,
    });
    screen.status('z'.repeat(50), 'k');
    const visible = out
      .split('\n')
      .map((l) => l.replaceAll('\u001b', '').replace(/\[[0-9;]*[A-Za-z]/g, ''));
    expect(visible.every((l) => l.length <= 20)).toBe(true);
  });
});
