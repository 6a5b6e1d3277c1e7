import { AppError, ErrorCode } from '@fedplane/core';
import {
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { SILENT_LOG, type Log } from './log.js';
import {
  diffConsumerConfig,
  diffStreamConfig,
  kvStreamName,
  pickFields,
  toConsumerConfig,
  toKvStreamFields,
  toStreamConfig,
  type ConfigDiff,
} from './stream-config.js';
import type { ConsumerDeclaration, KvDeclaration, StreamDeclaration } from './streams.js';

/**
 * Idempotent create-or-update of the declared streams, buckets and consumers at service start.
 * Two instances starting together both succeed: a create that loses the race ("already in use")
 * re-reads the live object and continues as if it had found it. A live object that matches is
 * left alone (`unchanged`); one that differs in updatable fields is updated; one that differs in
 * a field NATS cannot change in place (retention, storage, a consumer's filter or policies)
 * throws `AppError(CONFLICT)` naming the fields — an operator must migrate it.
 */

/** What ensure did with one object. */
export type EnsureAction = 'created' | 'updated' | 'unchanged';

/** One line of an ensure report. */
export type EnsureReport = {
  readonly kind: 'stream' | 'kv' | 'consumer';
  readonly name: string;
  readonly action: EnsureAction;
  /** Fields updated (for `updated`). */
  readonly fields?: readonly string[];
};

/** Options of the ensure functions. */
export type EnsureOptions = { readonly log?: Log };

function isApiError(err: unknown, code?: number): err is JetStreamApiError {
  return err instanceof JetStreamApiError && (code === undefined || err.code === code);
}

async function readStream(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (err) {
    if (isApiError(err, JetStreamApiCodes.StreamNotFound)) return undefined;
    throw err;
  }
}

async function readConsumer(
  jsm: JetStreamManager,
  stream: string,
  name: string,
): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(stream, name);
  } catch (err) {
    if (isApiError(err, JetStreamApiCodes.ConsumerNotFound)) return undefined;
    throw err;
  }
}

function conflict(kind: EnsureReport['kind'], name: string, fields: readonly string[]): AppError {
  return new AppError(ErrorCode.CONFLICT, `${kind} configuration cannot be updated in place`, {
    details: { kind, name, fields: [...fields] },
  });
}

/**
 * Creates `name` with `create` unless `read` finds it; a lost creation race (an API error
 * while another instance created it) falls back to the live object. Returns the live object, or
 * `undefined` when this call created it.
 */
async function findOrCreate<T>(
  read: () => Promise<T | undefined>,
  create: () => Promise<unknown>,
): Promise<T | undefined> {
  const found = await read();
  if (found !== undefined) return found;
  try {
    await create();
    return undefined;
  } catch (err) {
    if (!isApiError(err)) throw err;
    const raced = await read();
    if (raced === undefined) throw err;
    return raced;
  }
}

async function settle(input: {
  readonly kind: EnsureReport['kind'];
  readonly name: string;
  readonly diff: ConfigDiff;
  readonly update: (fields: readonly string[]) => Promise<unknown>;
  readonly log: Log;
}): Promise<EnsureReport> {
  const { kind, name, diff, log } = input;
  if (diff.fixed.length > 0) throw conflict(kind, name, diff.fixed);
  if (diff.updatable.length === 0) return { kind, name, action: 'unchanged' };
  await input.update(diff.updatable);
  log.info({ kind, name, fields: diff.updatable }, 'jetstream object updated');
  return { kind, name, action: 'updated', fields: diff.updatable };
}

async function ensureStream(
  jsm: JetStreamManager,
  decl: StreamDeclaration,
  log: Log,
): Promise<EnsureReport> {
  const want = toStreamConfig(decl);
  const live = await findOrCreate(
    () => readStream(jsm, decl.name),
    () => jsm.streams.add(want),
  );
  if (live === undefined) {
    log.info({ kind: 'stream', name: decl.name }, 'jetstream object created');
    return { kind: 'stream', name: decl.name, action: 'created' };
  }
  return settle({
    kind: 'stream',
    name: decl.name,
    diff: diffStreamConfig(want, live.config),
    update: (fields) =>
      jsm.streams.update(decl.name, pickFields<StreamConfig>(want as StreamConfig, fields)),
    log,
  });
}

/** Ensures every declared stream, in order. Returns one report per stream. */
export async function ensureStreams(
  jsm: JetStreamManager,
  decls: readonly StreamDeclaration[],
  options: EnsureOptions = {},
): Promise<readonly EnsureReport[]> {
  const log = options.log ?? SILENT_LOG;
  const reports: EnsureReport[] = [];
  for (const decl of decls) reports.push(await ensureStream(jsm, decl, log));
  return reports;
}

async function ensureBucket(
  jsm: JetStreamManager,
  kvm: Kvm,
  decl: KvDeclaration,
  log: Log,
): Promise<EnsureReport> {
  const stream = kvStreamName(decl.bucket);
  const create = (): Promise<unknown> =>
    kvm.create(decl.bucket, {
      description: decl.description,
      history: decl.history,
      replicas: decl.replicas,
    });
  const live = await findOrCreate(() => readStream(jsm, stream), create);
  if (live === undefined) {
    log.info({ kind: 'kv', name: decl.bucket }, 'jetstream object created');
    return { kind: 'kv', name: decl.bucket, action: 'created' };
  }
  const want = toKvStreamFields(decl);
  return settle({
    kind: 'kv',
    name: decl.bucket,
    diff: diffStreamConfig(want, live.config),
    update: (fields) => jsm.streams.update(stream, pickFields(want, fields)),
    log,
  });
}

/** Ensures every declared KV bucket, in order (created through `@nats-io/kv`'s `Kvm`). */
export async function ensureKv(
  jsm: JetStreamManager,
  decls: readonly KvDeclaration[],
  options: EnsureOptions = {},
): Promise<readonly EnsureReport[]> {
  const log = options.log ?? SILENT_LOG;
  const kvm = new Kvm(jsm.jetstream());
  const reports: EnsureReport[] = [];
  for (const decl of decls) reports.push(await ensureBucket(jsm, kvm, decl, log));
  return reports;
}

/** Ensures one durable consumer (its stream must exist). */
export async function ensureConsumer(
  jsm: JetStreamManager,
  decl: ConsumerDeclaration,
  options: EnsureOptions = {},
): Promise<EnsureReport> {
  const log = options.log ?? SILENT_LOG;
  const want = toConsumerConfig(decl);
  const live = await findOrCreate(
    () => readConsumer(jsm, decl.stream, decl.name),
    () => jsm.consumers.add(decl.stream, want),
  );
  if (live === undefined) {
    log.info(
      { kind: 'consumer', name: decl.name, stream: decl.stream },
      'jetstream object created',
    );
    return { kind: 'consumer', name: decl.name, action: 'created' };
  }
  return settle({
    kind: 'consumer',
    name: decl.name,
    diff: diffConsumerConfig(want, live.config),
    update: (fields) =>
      jsm.consumers.update(
        decl.stream,
        decl.name,
        pickFields<ConsumerConfig>(want as ConsumerConfig, fields),
      ),
    log,
  });
}
