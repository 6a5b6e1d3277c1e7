/**
 * An ai-memory-shaped sync client for tests: builds `/api/v1/sync/push` and `/api/v1/sync/since`
 * requests exactly as the reference daemon does (reference §3.4, §5.2 step 4, §5.5, §5.6), with
 * nothing from fedplane: plain `fetch`, `node:crypto` Ed25519 (an independent check of core's
 * signing), `URLSearchParams` form encoding for the query (as reqwest/serde_urlencoded does).
 *
 * Push: the body `{"sender_agent_id", "sender_wall_clock", "memories", "dry_run": false}` is
 * serialised once and those exact bytes are sent and signed: `x-memory-sig: ed25519=<b64>` over
 * `body ‖ 0x00 ‖ nonce` with `x-memory-nonce: <UUIDv4>`, `x-peer-id: <sender>`,
 * `x-memory-cred` / `x-memory-cred-chain` when held, `Idempotency-Key: <memory id>` for a
 * single-memory push. Since: `GET <base>/api/v1/sync/since?since=…&limit=…&peer=…`, signed over
 * `"GET\n" + path + "\n" + raw query ‖ 0x00 ‖ nonce`.
 *
 * Every knob a test needs to build a refused request (no signature, another key, no nonce, a
 * stale wall clock, another `x-peer-id`) is an option; a prepared request can be sent twice
 * (a replay).
 */
import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { issueCredential, publicKeyFromSeed, type VerifierBundle } from '@fedplane/core';

/** What the daemon holds: its id, its key seed, and the files its renewal keeps fresh. */
export type SyncClientIdentity = {
  readonly agentId: string;
  /** 32-byte Ed25519 seed; without one the daemon sends unsigned requests. */
  readonly seed?: Uint8Array;
  /** `v1=…` credential header value (the credential file's content). */
  readonly credential?: string;
  /** `v1=…` chain header value, when it holds intermediates. */
  readonly chain?: string;
};

/** A request ready to send (and to send again). */
export type PreparedRequest = {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
};

/** A response: status, parsed JSON body (or the text when it is not JSON), headers. */
export type SyncResponse = {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
};

/** Per-request deviations from the daemon's behaviour (for refusal tests). */
export type RequestOptions = {
  /** `false`: send no `x-memory-sig` (an unsigned daemon). Default: sign when a seed is held. */
  readonly sign?: boolean;
  /** Sign with this seed instead of the identity's (another node's key). */
  readonly signingSeed?: Uint8Array;
  /** `null`: send no `x-memory-nonce` (and sign without one). Default: a fresh UUIDv4. */
  readonly nonce?: string | null;
  /** `null`: no `x-peer-id`. Default: the identity's agent id. */
  readonly peerId?: string | null;
  /** `null`: no `x-memory-cred`. Default: the identity's credential. */
  readonly credential?: string | null;
};

/** Push-only options. */
export type PushOptions = RequestOptions & {
  /** `sender_wall_clock` (RFC 3339); `null` to omit it. Default: now. */
  readonly wallClock?: string | null;
  /** `sender_agent_id` of the body. Default: the identity's agent id. */
  readonly senderAgentId?: string;
  /** Extra top-level body fields (e.g. `deletions`). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Send these bytes as the body instead of the built JSON (still signed as sent). */
  readonly rawBody?: Uint8Array;
};

/** The since query, as the daemon sends it. */
export type SinceParams = {
  readonly since?: string;
  readonly limit?: number;
  readonly peer?: string;
  readonly cursor?: string;
};

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function privateKey(seed: Uint8Array): KeyObject {
  return createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(seed)]),
    format: 'der',
    type: 'pkcs8',
  });
}

function signatureHeader(seed: Uint8Array, bytes: Uint8Array): string {
  return `ed25519=${sign(null, bytes, privateKey(seed)).toString('base64')}`;
}

function withNonce(bytes: Uint8Array, nonce: string | null): Uint8Array {
  if (nonce === null) return bytes;
  return Buffer.concat([bytes, Buffer.from([0]), Buffer.from(nonce, 'utf8')]);
}

/** A daemon talking to one gateway. */
export type SyncClient = {
  readonly identity: SyncClientIdentity;
  buildPush(memories: readonly unknown[], options?: PushOptions): PreparedRequest;
  buildSince(params?: SinceParams, options?: RequestOptions): PreparedRequest;
  send(request: PreparedRequest): Promise<SyncResponse>;
  push(memories: readonly unknown[], options?: PushOptions): Promise<SyncResponse>;
  since(params?: SinceParams, options?: RequestOptions): Promise<SyncResponse>;
};

/** Creates a client for the gateway at `baseUrl` (`http://127.0.0.1:<port>`). */
export function createSyncClient(baseUrl: string, identity: SyncClientIdentity): SyncClient {
  const base = baseUrl.replace(/\/+$/, '');

  const authHeaders = (
    signed: (nonce: string | null) => Uint8Array,
    options: RequestOptions,
  ): Record<string, string> => {
    const headers: Record<string, string> = {};
    const peerId = options.peerId === undefined ? identity.agentId : options.peerId;
    if (peerId !== null) headers['x-peer-id'] = peerId;
    const seed = options.signingSeed ?? identity.seed;
    if (options.sign !== false && seed !== undefined) {
      const nonce = options.nonce === undefined ? randomUUID() : options.nonce;
      headers['x-memory-sig'] = signatureHeader(seed, signed(nonce));
      if (nonce !== null) headers['x-memory-nonce'] = nonce;
    }
    const credential = options.credential === undefined ? identity.credential : options.credential;
    if (credential !== undefined && credential !== null) {
      headers['x-memory-cred'] = credential;
      if (identity.chain !== undefined) headers['x-memory-cred-chain'] = identity.chain;
    }
    return headers;
  };

  const buildPush = (memories: readonly unknown[], options: PushOptions = {}): PreparedRequest => {
    const wallClock =
      options.wallClock === undefined ? new Date().toISOString() : options.wallClock;
    const body =
      options.rawBody ??
      Buffer.from(
        JSON.stringify({
          sender_agent_id: options.senderAgentId ?? identity.agentId,
          ...(wallClock === null ? {} : { sender_wall_clock: wallClock }),
          memories,
          dry_run: false,
          ...options.extra,
        }),
        'utf8',
      );
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...authHeaders((nonce) => withNonce(body, nonce), options),
    };
    const [only] = memories;
    if (memories.length === 1 && typeof only === 'object' && only !== null && 'id' in only) {
      headers['idempotency-key'] = String(only.id);
    }
    return { method: 'POST', url: `${base}/api/v1/sync/push`, headers, body };
  };

  const buildSince = (params: SinceParams = {}, options: RequestOptions = {}): PreparedRequest => {
    const query = new URLSearchParams();
    if (params.since !== undefined) query.set('since', params.since);
    if (params.limit !== undefined) query.set('limit', String(params.limit));
    if (params.peer !== undefined) query.set('peer', params.peer);
    if (params.cursor !== undefined) query.set('cursor', params.cursor);
    const path = '/api/v1/sync/since';
    const rawQuery = query.toString();
    const canonical = Buffer.from(`GET\n${path}\n${rawQuery}`, 'utf8');
    const headers = authHeaders((nonce) => withNonce(canonical, nonce), options);
    if (headers['x-peer-id'] !== undefined) headers['x-agent-id'] = headers['x-peer-id'];
    const url = `${base}${path}${rawQuery === '' ? '' : `?${rawQuery}`}`;
    return { method: 'GET', url, headers };
  };

  const send = async (request: PreparedRequest): Promise<SyncResponse> => {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body, headers: response.headers };
  };

  return {
    identity,
    buildPush,
    buildSince,
    send,
    push: (memories, options) => send(buildPush(memories, options)),
    since: (params, options) => send(buildSince(params, options)),
  };
}

/** An ai-memory memory as the daemon serialises it (every field its model requires). */
export function aiMemory(
  id: string,
  fields: {
    readonly namespace?: string;
    readonly updatedAt?: string;
    readonly content?: string;
  } = {},
): Record<string, unknown> {
  const at = fields.updatedAt ?? new Date().toISOString();
  return {
    id,
    tier: 'mid',
    namespace: fields.namespace ?? 'team/alpha',
    title: `note ${id}`,
    content: fields.content ?? `content of ${id}`,
    tags: ['ops'],
    priority: 5,
    confidence: 0.9,
    source: 'api',
    access_count: 0,
    created_at: at,
    updated_at: at,
    metadata: {},
  };
}

// ---------------------------------------------------------------------------------------------
// The fleet side of the tests (what the issuer and renewal-agent give a daemon): a root key, a
// trust bundle and credentials. Request building above uses nothing of this.

/** Trust domain of the test fleet. */
export const TEST_DOMAIN = 'fleet.example';
const ROOT_SEED = new Uint8Array(32).fill(1);

/** A 32-byte seed filled with `byte` (each test node has its own). */
export function testSeed(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

/** The verifier view of the test fleet's trust bundle (one root `root`). */
export function testBundle(): VerifierBundle {
  return { trustDomain: TEST_DOMAIN, keys: new Map([['root', publicKeyFromSeed(ROOT_SEED)]]) };
}

/** A credential header for `agentId` over the key of `seed`, issued by the test root. */
export function testCredential(
  agentId: string,
  seed: Uint8Array,
  options: { readonly nowS?: number; readonly ttlS?: number } = {},
): string {
  const issued = issueCredential({
    issuerSeed: ROOT_SEED,
    issuerId: 'root',
    trustDomain: TEST_DOMAIN,
    subjectAgentId: agentId,
    subjectPubkey: publicKeyFromSeed(seed),
    nowS: options.nowS ?? Math.floor(Date.now() / 1000),
    ttlS: options.ttlS ?? 3600,
  });
  if (!issued.ok) throw new Error(`cannot issue: ${issued.error.tag}`);
  return issued.value.header;
}

/** A daemon identity of the test fleet: its seed and a fresh credential. */
export function testIdentity(
  agentId: string,
  seedByte: number,
): Required<Pick<SyncClientIdentity, 'agentId' | 'seed' | 'credential'>> {
  const seed = testSeed(seedByte);
  return { agentId, seed, credential: testCredential(agentId, seed) };
}
