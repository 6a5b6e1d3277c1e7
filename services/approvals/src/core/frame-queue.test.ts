import { describe, expect, it } from 'vitest';
import { createFrameQueue, type QueueItem } from './frame-queue.js';

const frame = (n: number) => ({ event: 'approval_requested', data: { n } });
const drain = (q: ReturnType<typeof createFrameQueue>): QueueItem[] => {
  const out: QueueItem[] = [];
  for (let item = q.shift(); item !== undefined; item = q.shift()) out.push(item);
  return out;
};

describe('frame queue', () => {
  it('keeps order within its capacity', () => {
    const q = createFrameQueue(3);
    expect([q.push(frame(1)), q.push(frame(2)), q.push(frame(3))]).toEqual([
      'queued',
      'queued',
      'queued',
    ]);
    expect(q.size).toBe(3);
    expect(drain(q)).toEqual([1, 2, 3].map((n) => ({ kind: 'frame', frame: frame(n) })));
    expect(q.lagCount).toBe(0);
  });

  it('on overflow drops what was queued for one lagged marker, then the new frame', () => {
    const q = createFrameQueue(2);
    q.push(frame(1));
    q.push(frame(2));
    expect(q.push(frame(3))).toBe('lagged');
    expect(q.lagCount).toBe(1);
    expect(drain(q)).toEqual([{ kind: 'lagged' }, { kind: 'frame', frame: frame(3) }]);
    q.push(frame(4));
    expect(drain(q)).toEqual([{ kind: 'frame', frame: frame(4) }]);
  });

  it('queues a keep-alive only when idle', () => {
    const q = createFrameQueue(2);
    expect(q.pushKeepalive()).toBe('queued');
    expect(q.pushKeepalive()).toBe('skipped');
    expect(drain(q)).toEqual([{ kind: 'keepalive' }]);
    q.push(frame(1));
    expect(q.pushKeepalive()).toBe('skipped');
  });

  it('stays correct over many cycles (compaction)', () => {
    const q = createFrameQueue(5_000);
    let next = 0;
    for (let round = 0; round < 10; round += 1) {
      for (let i = 0; i < 3_000; i += 1) q.push(frame(i));
      for (let i = 0; i < 3_000; i += 1) {
        const item = q.shift();
        expect(item?.kind === 'frame' && item.frame.data['n']).toBe(i);
        next += 1;
      }
    }
    expect(next).toBe(30_000);
    expect(q.size).toBe(0);
  });

  it('refuses a non-positive capacity', () => {
    expect(() => createFrameQueue(0)).toThrow(RangeError);
    expect(() => createFrameQueue(1.5)).toThrow(RangeError);
  });
});
