import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createContext, runInContext } from 'node:vm';
import { signApproval } from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { UI_LIB_SCRIPT } from './ui-lib-script.js';

/** The browser library, run as the browser runs it (a classic script), in a fresh context. */

type Frame = { event: string; data: string };
type Parser = { push(chunk: string): void };
type Lib = {
  decisionBody(decision: string, remember: string): string;
  canonicalMessage(input: { timestamp: string; pendingId: string; body: string }): string;
  signDecision(input: {
    secret: string;
    timestamp: string;
    pendingId: string;
    body: string;
  }): Promise<string>;
  signingTimestamp(nowMs: number, offsetS: number): number;
  clockOffsetS(dateHeader: unknown, nowMs: number): number;
  createSseParser(handlers: {
    onEvent(frame: Frame): void;
    onComment?(text: string): void;
  }): Parser;
  isTerminal(status: string): boolean;
  mergeItem(current: object | undefined, incoming: object): Record<string, unknown>;
  frameToItem(name: string, data: unknown): Record<string, unknown> | null;
  responseToItem(id: string, body: unknown): Record<string, unknown> | null;
  describeFailure(status: number, body: unknown): string;
};

function loadLib(globals: Record<string, unknown> = { crypto, TextEncoder }): Lib {
  const context = createContext({ ...globals });
  runInContext(UI_LIB_SCRIPT, context, { filename: 'lib.js' });
  return (context as { FedplaneUiLib: Lib }).FedplaneUiLib;
}

const lib = loadLib();
const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
type HmacCase = {
  name: string;
  kind: 'sign' | 'verify';
  secret: string | null;
  timestamp?: string;
  pending_id: string;
  method: string;
  body: string;
  headers?: { 'x-ai-memory-signature': string | null; 'x-ai-memory-timestamp': string | null };
  expect: { signature?: string; canonical?: string; ok?: boolean };
};
const HMAC_CASES = (
  JSON.parse(readFileSync(`${ROOT}test/vectors/hmac.json`, 'utf8')) as { cases: HmacCase[] }
).cases;

describe('signDecision (WebCrypto) against the golden HMAC vectors', () => {
  const signCases = HMAC_CASES.filter((c) => c.kind === 'sign');
  it('has sign cases to check', () => expect(signCases.length).toBeGreaterThanOrEqual(4));
  for (const c of signCases) {
    it(`sign ${c.name}`, async () => {
      const input = {
        secret: c.secret ?? '',
        timestamp: c.timestamp ?? '',
        pendingId: c.pending_id,
        body: c.body,
      };
      expect(lib.canonicalMessage(input)).toBe(c.expect.canonical);
      expect(await lib.signDecision(input)).toBe(c.expect.signature);
    });
  }

  const validVerify = HMAC_CASES.filter(
    (c) => c.kind === 'verify' && c.expect.ok === true && c.method === 'POST',
  );
  it('has accepted verify cases to check', () => expect(validVerify.length).toBeGreaterThan(0));
  for (const c of validVerify) {
    it(`reproduces the accepted header of ${c.name}`, async () => {
      const headers = c.headers ?? { 'x-ai-memory-signature': null, 'x-ai-memory-timestamp': null };
      const signature = await lib.signDecision({
        secret: c.secret ?? '',
        timestamp: headers['x-ai-memory-timestamp'] ?? '',
        pendingId: c.pending_id,
        body: c.body,
      });
      expect(signature).toBe(headers['x-ai-memory-signature']);
    });
  }

  it('agrees with the core signer for the body the console sends', async () => {
    const body = lib.decisionBody('deny', 'session');
    expect(body).toBe('{"decision":"deny","remember":"session"}');
    const input = { secret: 's3cret ✓', timestamp: '1700000000', pendingId: 'p-1', body };
    const core = signApproval(input);
    expect(await lib.signDecision(input)).toBe(core);
  });

  it('fails clearly without WebCrypto (an insecure http:// origin)', async () => {
    const bare = loadLib({ TextEncoder });
    await expect(
      bare.signDecision({ secret: 'x', timestamp: '1', pendingId: 'p', body: '{}' }),
    ).rejects.toThrow('webcrypto_unavailable');
  });

  it('refuses bodies the API would reject', () => {
    expect(() => lib.decisionBody('maybe', 'once')).toThrow('bad decision');
    expect(() => lib.decisionBody('approve', 'always')).toThrow('bad remember');
    expect(lib.decisionBody('approve', 'forever')).toBe(
      '{"decision":"approve","remember":"forever"}',
    );
  });
});

describe('clock correction', () => {
  const now = Date.parse('2030-01-01T00:00:00.400Z');
  it('uses the local clock when it is close to the server', () => {
    expect(lib.signingTimestamp(now, 29)).toBe(Math.floor(now / 1000));
    expect(lib.signingTimestamp(now, -29)).toBe(Math.floor(now / 1000));
  });
  it('follows the server clock when the local one is off by 30 s or more', () => {
    expect(lib.signingTimestamp(now, 30)).toBe(Math.floor(now / 1000) + 30);
    expect(lib.signingTimestamp(now, -400)).toBe(Math.floor(now / 1000) - 400);
  });
  it('derives the offset from a Date header', () => {
    expect(lib.clockOffsetS('Tue, 01 Jan 2030 00:10:00 GMT', now)).toBe(600);
    expect(lib.clockOffsetS('Mon, 31 Dec 2029 23:59:00 GMT', now)).toBe(-60);
    expect(lib.clockOffsetS('not a date', now)).toBe(0);
    expect(lib.clockOffsetS('', now)).toBe(0);
    expect(lib.clockOffsetS(null, now)).toBe(0);
  });
});

function parse(chunks: string[]): { frames: Frame[]; comments: string[] } {
  const frames: Frame[] = [];
  const comments: string[] = [];
  const parser = lib.createSseParser({
    onEvent: (f) => frames.push({ event: f.event, data: f.data }),
    onComment: (c) => comments.push(c),
  });
  for (const chunk of chunks) parser.push(chunk);
  return { frames, comments };
}

describe('createSseParser', () => {
  const stream =
    ': keepalive\n\nevent: approval_requested\ndata: {"a":1}\n\nevent: lagged\ndata: {"lagged":true}\n\n';

  it('parses named frames and comments', () => {
    expect(parse([stream])).toEqual({
      frames: [
        { event: 'approval_requested', data: '{"a":1}' },
        { event: 'lagged', data: '{"lagged":true}' },
      ],
      comments: ['keepalive'],
    });
  });

  it('gives the same frames however the stream is chunked', () => {
    const whole = parse([stream]);
    for (let size = 1; size <= 7; size += 1) {
      const chunks: string[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.slice(i, i + size));
      expect(parse(chunks)).toEqual(whole);
    }
  });

  it('accepts CRLF and CR line ends, also with CRLF split across chunks', () => {
    const crlf = 'event: x\r\ndata: 1\r\n\r\n';
    expect(parse([crlf]).frames).toEqual([{ event: 'x', data: '1' }]);
    expect(parse(['event: x\r', '\ndata: 1\r', '\n\r', '\n']).frames).toEqual([
      { event: 'x', data: '1' },
    ]);
    // A CR at the very end may be the first half of a CRLF: it is held until more arrives.
    expect(parse(['event: x\rdata: 1\r\r']).frames).toEqual([]);
    expect(parse(['event: x\rdata: 1\r\r', ': ka\n']).frames).toEqual([{ event: 'x', data: '1' }]);
  });

  it('joins multi-line data, defaults the name to message, strips one leading space', () => {
    expect(parse(['data: a\ndata:  b\ndata\n\n']).frames).toEqual([
      { event: 'message', data: 'a\n b\n' },
    ]);
  });

  it('does not dispatch a frame without data, and resets the name after each frame', () => {
    expect(parse(['event: lonely\n\ndata: x\n\n']).frames).toEqual([
      { event: 'message', data: 'x' },
    ]);
  });

  it('ignores id, retry and unknown fields and waits for the blank line', () => {
    expect(parse(['id: 7\nretry: 10\nfoo: bar\nevent: e\ndata: d\n']).frames).toEqual([]);
    expect(parse(['id: 7\nretry: 10\nfoo: bar\nevent: e\ndata: d\n\n']).frames).toEqual([
      { event: 'e', data: 'd' },
    ]);
  });

  it('refuses an endless line instead of growing without bound', () => {
    const parser = lib.createSseParser({ onEvent: () => undefined });
    expect(() => parser.push('data: ' + 'x'.repeat(1_048_577))).toThrow('sse_line_too_long');
  });
});

describe('view merging', () => {
  const requested = {
    event: 'approval_requested',
    pending_id: 'p1',
    action_type: 'decommission_node',
    namespace: 'fleet',
    requested_by: 'svc/reconciler/r1',
    requested_at: '2030-01-01T00:00:00.000Z',
  };

  it('turns frames into partial views', () => {
    expect(lib.frameToItem('approval_requested', requested)).toEqual({
      id: 'p1',
      action_type: 'decommission_node',
      namespace: 'fleet',
      requested_by: 'svc/reconciler/r1',
      requested_at: '2030-01-01T00:00:00.000Z',
      status: 'pending',
    });
    const decided = { pending_id: 'p1', decision: 'deny', decided_by: 'ops/a', remember: 'once' };
    expect(lib.frameToItem('approval_decided', decided)).toMatchObject({
      id: 'p1',
      status: 'denied',
      decided_by: 'ops/a',
    });
    expect(lib.frameToItem('approval_decided', { ...decided, decision: 'approve' })).toMatchObject({
      status: 'approved',
    });
    expect(lib.frameToItem('lagged', { lagged: true })).toBeNull();
    expect(lib.frameToItem('approval_requested', { pending_id: 3 })).toBeNull();
    expect(lib.frameToItem('approval_decided', null)).toBeNull();
  });

  it('never lets a stale pending snapshot undo a decision', () => {
    const decided = lib.mergeItem(
      { id: 'p1', status: 'pending', namespace: 'fleet' },
      { id: 'p1', status: 'approved', decided_by: 'ops/a', decided_at: 't1' },
    );
    expect(decided).toMatchObject({ status: 'approved', decided_by: 'ops/a', namespace: 'fleet' });
    const stale = lib.mergeItem(decided, {
      id: 'p1',
      status: 'pending',
      decided_by: null,
      decided_at: null,
      payload: { n: 1 },
    });
    expect(stale).toMatchObject({
      status: 'approved',
      decided_by: 'ops/a',
      decided_at: 't1',
      payload: { n: 1 },
    });
    const frame = lib.frameToItem('approval_decided', {
      pending_id: 'p1',
      decision: 'approve',
      decided_by: 'ops/a',
      remember: 'once',
      namespace: 'fleet',
      requested_by: 'r',
    });
    const full = { id: 'p1', status: 'pending', action_type: 'enable_strict', payload: { k: 1 } };
    expect(lib.mergeItem(full, frame ?? {})).toMatchObject({
      action_type: 'enable_strict',
      payload: { k: 1 },
      status: 'approved',
    });
    expect(lib.mergeItem(undefined, { id: 'p2', status: 'pending' })).toEqual({
      id: 'p2',
      status: 'pending',
    });
    expect(lib.mergeItem({ id: 'p3', status: 'pending' }, { status: 'expired' }).status).toBe(
      'expired',
    );
    expect(lib.isTerminal('pending')).toBe(false);
    expect(['approved', 'denied', 'expired'].every((s) => lib.isTerminal(s))).toBe(true);
  });

  it('reads the three decision responses', () => {
    expect(
      lib.responseToItem('p1', { approved: true, id: 'p1', decided_by: 'a', remember: 'once' }),
    ).toEqual({ id: 'p1', status: 'approved', decided_by: 'a', remember: 'once' });
    expect(
      lib.responseToItem('p1', { rejected: true, id: 'p1', decided_by: 'a', remember: 'forever' }),
    ).toEqual({ id: 'p1', status: 'denied', decided_by: 'a', remember: 'forever' });
    expect(
      lib.responseToItem('p1', { approved: false, status: 'pending', votes: 1, quorum: 2 }),
    ).toEqual({ id: 'p1', status: 'pending', votes: 1, quorum: 2 });
    expect(lib.responseToItem('p1', { something: 'else' })).toBeNull();
  });
});

describe('describeFailure', () => {
  it('names the status and gives no hint on 401', () => {
    const text = lib.describeFailure(401, { error: 'UNAUTHENTICATED', message: 'sig mismatch' });
    expect(text).toContain('401');
    expect(text).not.toContain('sig mismatch');
  });
  it('passes the server message through where it helps', () => {
    expect(lib.describeFailure(403, { error: 'FORBIDDEN', message: 'self-approval' })).toMatch(
      /^Forbidden \(403\).* self-approval$/,
    );
    expect(lib.describeFailure(400, { message: 'bad body' })).toContain('bad body');
    expect(lib.describeFailure(418, null)).toBe('Request failed (HTTP 418).');
  });
  it('has a clear sentence for every status the console expects', () => {
    for (const status of [401, 403, 404, 409, 400, 429, 503, 500]) {
      expect(lib.describeFailure(status, {})).toContain(String(status));
    }
    expect(lib.describeFailure(409, {})).toMatch(/Already decided/);
  });
});
