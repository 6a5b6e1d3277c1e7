import { createServer } from 'node:net';

/**
 * Asks the kernel for a free TCP port on 127.0.0.1: binds port 0, reads the port, closes.
 *
 * Another process may take the port between this call and its use; callers that spawn a server
 * on it retry with a new port when the server reports "address already in use".
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((err) => {
        if (err !== undefined) reject(err);
        else if (port === 0) reject(new Error('could not read the port the kernel assigned'));
        else resolve(port);
      });
    });
  });
}

/** Returns `count` distinct free ports (asked one at a time; a port the kernel repeats is skipped). */
export async function findFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await findFreePort());
  return [...ports];
}
