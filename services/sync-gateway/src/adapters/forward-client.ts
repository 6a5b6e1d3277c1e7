import { randomUUID } from 'node:crypto';
import { toBase64, utf8 } from '@fedplane/core';
import type { CredentialSigner } from '@fedplane/messaging';
import type { RecordVersion } from '../core/record-version.js';

/**
 * Forwards applied records to the node's own daemon (`SYNC_FORWARD_URL`, sync.md Records): a
 * signed `POST /api/v1/sync/push` as the reference daemon expects — `x-peer-id` (this node),
 * `x-memory-cred` (+ `x-memory-cred-chain`), `x-memory-nonce: <UUIDv4>` and
 * `x-memory-sig: ed25519=<b64>` over `body ‖ 0x00 ‖ nonce`. Memories go in `memories`, tombstones
 * as reference `deletions` ids. The daemon applies its own conflict rule, so forwarding a version
 * twice is harmless.
 *
 * A 2xx is delivered; a 4xx (other than 408/429) is the target refusing the records (poison:
 * `forward_refused`); anything else — connection refused, timeout, 5xx, 408, 429 — is the target
 * being down, which the caller retries and never dead-letters.
 */

/** The outcome of one forward. */
export type ForwardResult =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'refused'; readonly status: number; readonly detail: string };

/** Forwards a set of versions; rejects when the target is down. */
export type Forwarder = (versions: readonly RecordVersion[]) => Promise<ForwardResult>;

/** Options of {@link createForwarder}. */
export type ForwarderOptions = {
  readonly url: string;
  readonly signer: CredentialSigner;
  readonly nowMs: () => number;
  readonly timeoutMs?: number;
};

/** The forwarder to `<url>/api/v1/sync/push`. */
export function createForwarder(options: ForwarderOptions): Forwarder {
  const target = new URL('/api/v1/sync/push', options.url).toString();
  return async (versions) => {
    if (versions.length === 0) return { kind: 'delivered' };
    const body = utf8(
      JSON.stringify({
        sender_agent_id: options.signer.agentId,
        sender_wall_clock: new Date(options.nowMs()).toISOString(),
        memories: versions.filter((v) => !v.deleted).map((v) => v.record),
        deletions: versions.filter((v) => v.deleted).map((v) => v.id),
        dry_run: false,
      }),
    );
    const nonce = randomUUID();
    const signed = Buffer.concat([body, Buffer.from([0]), Buffer.from(nonce, 'utf8')]);
    const chain = options.signer.chain();
    const response = await fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-peer-id': options.signer.agentId,
        'x-memory-cred': options.signer.credential(),
        ...(chain === undefined ? {} : { 'x-memory-cred-chain': chain }),
        'x-memory-nonce': nonce,
        'x-memory-sig': `ed25519=${toBase64(options.signer.sign(signed))}`,
      },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await response.text().catch(() => '');
    if (response.ok) return { kind: 'delivered' };
    const status = response.status;
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      return {
        kind: 'refused',
        status,
        detail: `forward target answered ${String(status)}: ${text.slice(0, 300)}`,
      };
    }
    throw new Error(`forward target unavailable: ${String(status)}`);
  };
}
