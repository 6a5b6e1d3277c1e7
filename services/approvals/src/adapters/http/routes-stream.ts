import type { FastifyInstance, FastifyReply, preHandlerHookHandler } from 'fastify';
import type { QueueItem, SseFrame } from '../../core/frame-queue.js';
import { subscriberOf } from '../../core/tenant-filter.js';
import type { SseHub } from '../../shell/sse-hub.js';
import { singleHeader } from './request-headers.js';

/**
 * `GET /api/v1/approvals/stream` (approvals.md; reference §6.4): Server-Sent Events behind
 * `x-api-key`; the subscriber is the trimmed `X-Agent-Id` (anonymous or `host:` sees nothing).
 * Frames `approval_requested` / `approval_decided`, `lagged` (`{"lagged":true}`) after this
 * subscriber's queue overflowed, and a `: keepalive` comment every 15 s. No history: a new
 * subscriber sees events from the moment the response headers are sent (re-sync with
 * `GET /api/v1/pending`). Each connection has its own writer, paced by its own socket; what
 * queued while a write was in flight goes out in the next single write.
 */

function writeRaw(reply: FastifyReply, text: string): Promise<void> {
  return new Promise((resolve) => {
    const raw = reply.raw;
    if (raw.destroyed || raw.writableEnded) {
      resolve();
      return;
    }
    if (raw.write(text)) {
      resolve();
      return;
    }
    const done = (): void => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.once('drain', done);
    raw.once('close', done);
  });
}

const LAGGED_TEXT = `event: lagged\ndata: ${JSON.stringify({ lagged: true })}\n\n`;
const KEEPALIVE_TEXT = ': keepalive\n\n';

/** Each frame is rendered once, however many subscribers it goes to. */
const rendered = new WeakMap<SseFrame, string>();

function render(frame: SseFrame): string {
  let text = rendered.get(frame);
  if (text === undefined) {
    text = `event: ${frame.event}\ndata: ${JSON.stringify(frame.data)}\n\n`;
    rendered.set(frame, text);
  }
  return text;
}

function textOf(item: QueueItem): string {
  switch (item.kind) {
    case 'frame':
      return render(item.frame);
    case 'lagged':
      return LAGGED_TEXT;
    case 'keepalive':
      return KEEPALIVE_TEXT;
  }
}

/** Registers the stream route (the `@fastify/sse` plugin must be registered on `app`). */
export function registerStreamRoute(
  app: FastifyInstance,
  hub: SseHub,
  requireApiKey: preHandlerHookHandler,
): void {
  app.get(
    '/api/v1/approvals/stream',
    {
      sse: { kind: 'only', heartbeat: false },
      preHandler: requireApiKey,
      schema: {
        summary: 'Server-Sent Events: approval_requested, approval_decided, lagged',
        tags: ['stream'],
      },
    },
    async (request, reply) => {
      const sub = hub.attach(subscriberOf(singleHeader(request, 'x-agent-id')));
      reply.sse.onClose(() => sub.close());
      reply.sse.sendHeaders();
      reply.raw.flushHeaders();
      try {
        for (;;) {
          const item = await sub.next();
          if (item === undefined || !reply.sse.isConnected) break;
          // Whatever queued up while the socket was busy goes out in one write.
          const batch = [item, ...sub.takeQueued()];
          await writeRaw(reply, batch.map(textOf).join(''));
        }
      } catch (err) {
        // The client went away between the check and the write: nothing to report to anyone.
        request.log.debug({ err }, 'sse write ended');
      } finally {
        sub.close();
        reply.sse.close();
      }
    },
  );
}
