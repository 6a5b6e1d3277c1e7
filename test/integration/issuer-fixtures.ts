/** Shared fixtures of the issuer integration suites: instances, a client, DB snapshots. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AppError,
  CredentialReplySchema,
  attestEvent,
  parseEvent,
  toVerifierBundle,
  type TrustBundle,
  EnrollReplySchema,
  publicKeyFromSeed,
  signRenewPop,
  toBase64,
  utf8,
  type CredentialReply,
} from '@fedplane/core';
import {
  FedHeader,
  FixedSubject,
  StreamName,
  connectBus,
  errorFromReply,
  request,
  type Bus,
  type Log,
  type ParseSchema,
} from '@fedplane/messaging';
import { silentLog } from '@fedplane/runtime';
import { withPool } from '@fedplane/testkit';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Pool } from 'pg';
import { z } from 'zod';
import {
  toIssuerConfig,
  IssuerEnvSchema,
  type IssuerConfig,
} from '../../services/issuer/src/config.js';
import { startIssuer, type IssuerHandle } from '../../services/issuer/src/start.js';

export const DOMAIN = 'fleet.issuer.test';

/** A clock the test can move: real time plus an offset. */
export type OffsetClock = { nowMs(): number; offsetMs: number };
export function offsetClock(): OffsetClock {
  const clock = {
    offsetMs: 0,
    nowMs: () => Date.now() + clock.offsetMs,
  };
  return clock;
}

/**
 * A pool on the suite's database whose clients never raise unhandled errors when the database
 * is dropped under them at the end of the suite (the issuer itself logs pool errors in main.ts).
 */
export function issuerPool(url: string, max: number): Pool {
  const pool = withPool(url, max);
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** A temporary key directory (created by the issuer with mode 0700). */
export function tempKeyDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'fedplane-issuer-')), 'keys');
}

/** The issuer config for a test instance. */
export function testConfig(over: {
  readonly natsUrl: string;
  readonly databaseUrl: string;
  readonly keyDir: string;
  readonly env?: Readonly<Record<string, string>>;
}): IssuerConfig {
  const parsed = IssuerEnvSchema.safeParse({
    NATS_URL: over.natsUrl,
    DATABASE_URL: over.databaseUrl,
    ISSUER_TRUST_DOMAIN: DOMAIN,
    ISSUER_KEY_DIR: over.keyDir,
    INSTANCE_ID: `t-${randomBytes(3).toString('hex')}`,
    ...over.env,
  });
  if (!parsed.success) throw new Error(parsed.error.message);
  return toIssuerConfig(parsed.data);
}

/** One in-process issuer instance on its own NATS connection. */
export type TestIssuer = {
  readonly handle: IssuerHandle;
  readonly bus: Bus;
  stop(): Promise<void>;
};

export async function startTestIssuer(input: {
  readonly config: IssuerConfig;
  readonly pool: Pool;
  readonly clock?: OffsetClock;
  readonly sweepMs?: number;
  readonly log?: Log;
}): Promise<TestIssuer> {
  const bus = await connectBus({
    servers: input.config.natsServers,
    name: 'issuer-test',
    log: silentLog,
  });
  const handle = await startIssuer({
    config: input.config,
    log: input.log ?? silentLog,
    bus,
    pool: input.pool,
    ...(input.clock === undefined ? {} : { clock: input.clock }),
    ...(input.sweepMs === undefined ? {} : { sweepMs: input.sweepMs }),
  });
  return {
    handle,
    bus,
    stop: async () => {
      await handle.stop();
      await bus.close();
    },
  };
}

/** A typed result: the value, or the remote error code and `details.reason`. */
export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: string; readonly reason: string | undefined };

export async function call<T>(
  nc: NatsConnection,
  subject: string,
  body: unknown,
  schema: ParseSchema<T>,
): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await request(nc, subject, body, { schema }) };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const reason = err.details['reason'];
    return { ok: false, code: err.code, reason: typeof reason === 'string' ? reason : undefined };
  }
}

/** Sends raw bytes; returns the raw reply bytes and the error code (if any). */
export async function raw(
  nc: NatsConnection,
  subject: string,
  bytes: Uint8Array,
): Promise<{
  readonly data: Uint8Array;
  readonly code: string | undefined;
  readonly reason: string | undefined;
  readonly natsCode: string | undefined;
}> {
  const msg = await nc.request(subject, bytes, { timeout: 5_000 });
  const err = errorFromReply(msg);
  const reason = err?.details['reason'];
  return {
    data: msg.data,
    code: err?.code,
    reason: typeof reason === 'string' ? reason : undefined,
    natsCode: msg.headers?.get(FedHeader.ServiceErrorCode),
  };
}

export const AnyObject: ParseSchema<Record<string, unknown>> = z.record(z.string(), z.unknown());

/** A node: its id, key seed, and the credential it holds. */
export type TestNode = {
  readonly id: string;
  seed: Uint8Array;
  held?: CredentialReply;
};

export function newNode(id: string): TestNode {
  return { id, seed: new Uint8Array(randomBytes(32)) };
}

export async function enroll(
  nc: NatsConnection,
  nodeId: string,
  extra: { readonly region?: string; readonly ttl_s?: number; readonly keep_tokens?: boolean } = {},
): Promise<string> {
  const reply = await request(
    nc,
    FixedSubject.issuerEnroll,
    { node_id: nodeId, ...extra },
    {
      schema: EnrollReplySchema,
    },
  );
  return reply.join_token;
}

export function attestBody(node: TestNode, token: string): Record<string, unknown> {
  return {
    node_id: node.id,
    public_key: toBase64(publicKeyFromSeed(node.seed)),
    attestation: { type: 'join_token', token },
  };
}

export async function attest(
  nc: NatsConnection,
  node: TestNode,
  token: string,
): Promise<Outcome<CredentialReply>> {
  const out = await call(
    nc,
    FixedSubject.issuerAttest,
    attestBody(node, token),
    CredentialReplySchema,
  );
  if (out.ok) node.held = out.value;
  return out;
}

/** A renew request for `credential` signed with `seed` (optionally rotating to `newSeed`). */
export function renewBody(
  credential: CredentialReply,
  seed: Uint8Array,
  options: {
    readonly newSeed?: Uint8Array;
    readonly newKeyText?: string;
    readonly ts?: number;
    readonly nonce?: string;
  } = {},
): Record<string, unknown> {
  const nonce = options.nonce ?? randomBytes(12).toString('base64url');
  const ts = options.ts ?? Math.floor(Date.now() / 1000);
  const newPublicKey =
    options.newKeyText ??
    (options.newSeed === undefined ? '' : toBase64(publicKeyFromSeed(options.newSeed)));
  const pop = signRenewPop(seed, { credential: credential.credential, newPublicKey, nonce, ts });
  return {
    credential: credential.credential,
    ...(credential.chain === undefined ? {} : { chain: credential.chain }),
    ...(newPublicKey === '' ? {} : { new_public_key: newPublicKey }),
    nonce,
    ts,
    pop,
  };
}

export async function renew(
  nc: NatsConnection,
  node: TestNode,
  options: { readonly rotate?: boolean } = {},
): Promise<Outcome<CredentialReply>> {
  if (node.held === undefined) throw new Error('node holds nothing');
  const newSeed = options.rotate === true ? new Uint8Array(randomBytes(32)) : undefined;
  const out = await call(
    nc,
    FixedSubject.issuerRenew,
    renewBody(node.held, node.seed, newSeed === undefined ? {} : { newSeed }),
    CredentialReplySchema,
  );
  if (out.ok) {
    node.held = out.value;
    if (newSeed !== undefined) node.seed = newSeed;
  }
  return out;
}

/** Every row of the issuer's state tables, for "changes no state" checks. */
export async function snapshot(pool: Pool): Promise<string> {
  const tables = ['registrations', 'join_tokens', 'renew_nonces', 'intermediates', 'trust_bundles'];
  const parts: string[] = [];
  for (const table of tables) {
    const rows = await pool.query(`SELECT * FROM ${table} ORDER BY 1, 2`);
    parts.push(`${table}:${JSON.stringify(rows.rows)}`);
  }
  return parts.join('\n');
}

export const bytes = (text: string): Uint8Array => utf8(text);

/** An event read back from FED_EVENTS, with the attest level of its signature. */
export type StoredEvent = {
  readonly type: string;
  readonly subject: string | undefined;
  readonly actor: string;
  readonly data: Record<string, unknown>;
  readonly level: string;
};

/** Every event on FED_EVENTS so far, parsed, attested against `bundle`. */
export async function streamEvents(bus: Bus, bundle: TrustBundle): Promise<StoredEvent[]> {
  const info = await bus.jsm.streams.info(StreamName.events);
  const total = info.state.messages;
  const out: StoredEvent[] = [];
  if (total === 0) return out;
  const consumer = await bus.js.consumers.get(StreamName.events);
  const iter = await consumer.fetch({ max_messages: total, expires: 2_000 });
  for await (const msg of iter) {
    const h = msg.headers;
    const att = attestEvent({
      headers: { signature: h?.get(FedHeader.Signature), issuer: h?.get(FedHeader.Issuer) },
      body: msg.data,
      bundle: toVerifierBundle(bundle),
      nowS: Math.floor(Date.now() / 1000),
    });
    const parsed = parseEvent(msg.data);
    if (!parsed.ok) throw new Error('an event does not parse');
    out.push({
      type: parsed.value.type,
      subject: parsed.value.subject,
      actor: parsed.value.actor,
      data: parsed.value.data,
      level: att.attestation.attest_level,
    });
    if (out.length >= total) break;
  }
  return out;
}
