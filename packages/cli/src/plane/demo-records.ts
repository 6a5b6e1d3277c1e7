import { readFileSync } from 'node:fs';
import { fromBase64, utf8 } from '@fedplane/core';
import {
  seedCredentialSigner,
  signedHeaders,
  syncPushSubject,
  type Bus,
} from '@fedplane/messaging';
import { nodeFiles, type PlaneHome } from './plane-home.js';

/**
 * The demo's writes: a few memories pushed by one demo node to another node's sync-gateway over
 * `fed.sync.<node>.push`, signed as that node (`Fed-Signature` + `Fed-Credential`, its key and the
 * credential its renewal-agent keeps fresh), so they pass strict enforcement and replicate to the
 * third node through `FED_SYNC`.
 */

/** Namespace of the demo records. */
export const DEMO_NAMESPACE = 'demo/notes';
const PUSH_TIMEOUT_MS = 10_000;

/** The outcome, for the launcher's log line. */
export type DemoWrite = {
  readonly ok: boolean;
  readonly records: number;
  readonly via?: string;
  readonly sender?: string;
  readonly error?: string;
};

/** The push body of `count` demo memories from `sender` at `at`. */
export function demoPushBody(sender: string, at: string, count = 3): Record<string, unknown> {
  const memories = Array.from({ length: count }, (_, i) => ({
    id: `demo-${String(i + 1)}`,
    namespace: DEMO_NAMESPACE,
    title: `demo note ${String(i + 1)}`,
    content: `written by fedplane start through a sync-gateway (${String(i + 1)} of ${String(count)})`,
    tags: ['demo'],
    priority: 5,
    source: 'cli',
    updated_at: at,
  }));
  return { sender_agent_id: sender, sender_wall_clock: at, memories };
}

/** Pushes the demo records from the first gateway's node to the second gateway. Never throws. */
export async function writeDemoRecords(input: {
  readonly bus: Bus;
  readonly home: PlaneHome;
  readonly gateways: readonly string[];
}): Promise<DemoWrite> {
  const [sender, target] = input.gateways;
  if (sender === undefined || target === undefined) {
    return { ok: false, records: 0, error: 'needs two sync-gateways' };
  }
  try {
    const files = nodeFiles(input.home, sender);
    const seed = fromBase64(readFileSync(files.keyPath, 'utf8').trim());
    if (seed === undefined || seed.byteLength !== 32)
      throw new Error('node key is not a base64 seed');
    const credential = readFileSync(files.credPath, 'utf8').trim();
    const signer = seedCredentialSigner({ agentId: sender, seed, credential: () => credential });
    const now = new Date().toISOString();
    const body = utf8(JSON.stringify(demoPushBody(sender, now)));
    const reply = await input.bus.nc.request(syncPushSubject(target), body, {
      timeout: PUSH_TIMEOUT_MS,
      headers: signedHeaders(signer, body),
    });
    const error = reply.headers?.get('Nats-Service-Error') ?? '';
    if (error !== '') return { ok: false, records: 0, via: target, sender, error };
    return { ok: true, records: 3, via: target, sender };
  } catch (err) {
    return {
      ok: false,
      records: 0,
      via: target,
      sender,
      error: err instanceof Error ? err.message : String(err),
    };
  }
}
