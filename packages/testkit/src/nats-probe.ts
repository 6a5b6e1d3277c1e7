import { connect as connectTcp } from 'node:net';

/** The fields of a server's `INFO` line the testkit checks. */
export interface NatsInfo {
  readonly serverName: string | undefined;
  readonly jetstream: boolean;
}

function parseInfoLine(line: string): NatsInfo | undefined {
  if (!line.startsWith('INFO ')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(5));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  const name = record['server_name'];
  return {
    serverName: typeof name === 'string' ? name : undefined,
    jetstream: record['jetstream'] === true,
  };
}

/**
 * Opens a TCP connection, reads the server's first protocol line and closes.
 *
 * Output: the parsed `INFO` fields, or `undefined` when nothing (or not NATS) answered within
 * `timeoutMs`. Never rejects: a refused connection is the normal "not ready yet" answer.
 */
export function probeNatsInfo(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<NatsInfo | undefined> {
  return new Promise((resolve) => {
    let buffered = '';
    let settled = false;
    const socket = connectTcp({ host, port });
    const finish = (info: NatsInfo | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(info);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf('\r\n');
      if (end >= 0) finish(parseInfoLine(buffered.slice(0, end)));
      else if (buffered.length > 65_536) finish(undefined);
    });
    socket.on('error', () => finish(undefined));
    socket.on('close', () => finish(undefined));
  });
}
