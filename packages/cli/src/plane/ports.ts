import { createServer } from 'node:net';

/** Local TCP ports for the plane's processes: reuse a preferred port when it is free. */

function listenOn(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** `preferred` when it is free on 127.0.0.1, else a free port the system picks. */
export async function pickPort(preferred?: number): Promise<number> {
  if (preferred !== undefined && preferred > 0) {
    const got = await listenOn(preferred);
    if (got !== undefined) return got;
  }
  const any = await listenOn(0);
  if (any === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return any;
}

/** `count` distinct free ports. */
export async function pickPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await pickPort();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}
