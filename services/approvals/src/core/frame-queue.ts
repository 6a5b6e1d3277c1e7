/**
 * One SSE subscriber's bounded outbox (approvals.md: `lagged` when a subscriber falls behind; a
 * slow subscriber must not slow the others). The fan-out pushes without ever waiting; the
 * subscriber's own writer drains at the speed of its socket. When a push finds the queue full,
 * everything still queued is dropped and replaced by one `lagged` item before the new frame (the
 * reference never says how many were missed): the client re-syncs with `GET /api/v1/pending`.
 * Keep-alives are queued only when nothing else is waiting. Pure data structure, no I/O.
 */

/** An SSE frame: `event: <event>` and `data: <JSON of data>`. */
export type SseFrame = { readonly event: string; readonly data: Readonly<Record<string, unknown>> };

/** What the writer takes out of the queue. */
export type QueueItem =
  | { readonly kind: 'frame'; readonly frame: SseFrame }
  | { readonly kind: 'lagged' }
  | { readonly kind: 'keepalive' };

/** Result of a push. */
export type PushResult = 'queued' | 'lagged' | 'skipped';

/** A subscriber queue. */
export type FrameQueue = {
  /** Queues a frame; `lagged` when the queue overflowed and was reset. */
  push(frame: SseFrame): PushResult;
  /** Queues a keep-alive unless something is already waiting (`skipped`). */
  pushKeepalive(): PushResult;
  /** The next item, or undefined when empty. */
  shift(): QueueItem | undefined;
  readonly size: number;
  /** How many times this queue overflowed. */
  readonly lagCount: number;
};

/** A queue holding at most `capacity` frames (≥ 1). */
export function createFrameQueue(capacity: number): FrameQueue {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError('frame queue capacity must be a positive integer');
  }
  let items: QueueItem[] = [];
  let head = 0;
  let lagCount = 0;
  const size = (): number => items.length - head;
  const compact = (): void => {
    if (head > 1024 && head * 2 > items.length) {
      items = items.slice(head);
      head = 0;
    }
  };
  return {
    push(frame) {
      if (size() >= capacity) {
        items = [{ kind: 'lagged' }, { kind: 'frame', frame }];
        head = 0;
        lagCount += 1;
        return 'lagged';
      }
      items.push({ kind: 'frame', frame });
      return 'queued';
    },
    pushKeepalive() {
      if (size() > 0) return 'skipped';
      items.push({ kind: 'keepalive' });
      return 'queued';
    },
    shift() {
      if (size() === 0) return undefined;
      const item = items[head];
      head += 1;
      compact();
      return item;
    },
    get size() {
      return size();
    },
    get lagCount() {
      return lagCount;
    },
  };
}
