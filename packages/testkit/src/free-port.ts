import { createServer } from 'node:net';

/** Ports this process has handed out. */
const handedOut = new Set<number>();

/**
 * Asks the kernel for a free TCP port on 127.0.0.1: binds port 0, reads the port, closes.
 * A port already handed out in this process is never handed out again: a suite takes ports for
 * servers it starts later (the e2e plane takes the gateways' HTTP ports before the NATS cluster
 * takes its own), and the kernel may offer a taken-but-not-yet-bound port a second time (seen in
 * the chaos suite: a gateway's HTTP port given to a NATS server, EADDRINUSE at the gateway).
 *
 * Another process may still take the port between this call and its use; callers that spawn a
 * server on it retry with a new port when the server reports "address already in use".
 */
export async function findFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = await kernelFreePort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('no free port the kernel offered was new to this process');
}

function kernelFreePort(): Promise<number> {
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

/** Returns `count` distinct free ports, none handed out before in this process. */
export async function findFreePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) ports.push(await findFreePort());
  return ports;
}
