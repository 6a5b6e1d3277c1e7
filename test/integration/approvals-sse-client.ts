/** A minimal SSE reader for the approvals suites (node:http, frames parsed as they arrive). */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { API_KEY } from './approvals-fixtures.js';

/** One SSE connection read through node:http; `frames` collects parsed frames. */
export type SseClient = {
  readonly frames: { event: string; data: Record<string, unknown> }[];
  readonly comments: string[];
  readonly response: IncomingMessage;
  pause(): void;
  resume(): void;
  close(): void;
};

/** Opens the stream as `agentId` and resolves once the response headers arrived. */
export function openStream(
  url: string,
  agentId: string | undefined,
  options: { readonly apiKey?: string } = {},
): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      'x-api-key': options.apiKey ?? API_KEY,
    };
    if (agentId !== undefined) headers['x-agent-id'] = agentId;
    const req = httpRequest(`${url}/api/v1/approvals/stream`, { headers, agent: false }, (res) => {
      const frames: SseClient['frames'] = [];
      const comments: string[] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data !== '')
            frames.push({ event, data: JSON.parse(data) as Record<string, unknown> });
          end = buffer.indexOf('\n\n');
        }
      });
      res.on('error', () => undefined);
      resolve({
        frames,
        comments,
        response: res,
        pause: () => res.pause(),
        resume: () => res.resume(),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
