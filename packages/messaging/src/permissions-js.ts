import { kvStreamName } from './stream-config.js';
import type { BucketName, RECONCILER_BUCKET, StreamName } from './streams.js';

/**
 * The JetStream API subjects a client publishes to, grouped by what it does with one stream,
 * consumer or KV bucket (for the NATS permissions in `permissions.ts`). NATS 2.9 subjects:
 * `$JS.API.<OBJECT>.<VERB>.<stream>[.<consumer>[.<filter>]]`, acks on `$JS.ACK.<stream>.…`,
 * flow control of ordered push consumers on `$JS.FC.<stream>.…`, KV writes on `$KV.<bucket>.<key>`.
 */

/** A shared bucket, or the one a single service keeps for itself. */
type AnyBucket = BucketName | typeof RECONCILER_BUCKET;

/** Prefix of the JetStream API. */
export const JS_API_PREFIX = '$JS.API';

/** Account info: `jetstreamManager()` asks it once at connect, so every role needs it. */
export const JS_ACCOUNT_INFO = `${JS_API_PREFIX}.INFO`;

/** `$KV.<bucket>` prefix of a bucket's keys. */
export function kvKeyPrefix(bucket: AnyBucket): string {
  return `$KV.${bucket}`;
}

/**
 * Create-or-update of a stream (messaging `ensureStreams`/`ensureKv`): info, create, update.
 * No delete, no purge: those stay with the admin.
 */
export function streamEnsureSubjects(stream: string): string[] {
  return [
    `${JS_API_PREFIX}.STREAM.INFO.${stream}`,
    `${JS_API_PREFIX}.STREAM.CREATE.${stream}`,
    `${JS_API_PREFIX}.STREAM.UPDATE.${stream}`,
  ];
}

/** The info of any consumer of `stream` (e.g. a peer's durable ack floor), and nothing more. */
export function consumerInfoSubjects(stream: string): string[] {
  return [`${JS_API_PREFIX}.CONSUMER.INFO.${stream}.*`];
}

/**
 * Reading a stream: info, message get (direct and API), and ephemeral/ordered consumers (create
 * with or without name and filter, info, next, delete, acks, flow control). Durables owned by
 * another role are refused with {@link durableDenySubjects}.
 */
export function streamReadSubjects(stream: string): string[] {
  return [
    `${JS_API_PREFIX}.STREAM.INFO.${stream}`,
    `${JS_API_PREFIX}.STREAM.MSG.GET.${stream}`,
    `${JS_API_PREFIX}.DIRECT.GET.${stream}`,
    `${JS_API_PREFIX}.DIRECT.GET.${stream}.>`,
    `${JS_API_PREFIX}.CONSUMER.CREATE.${stream}`,
    `${JS_API_PREFIX}.CONSUMER.CREATE.${stream}.>`,
    `${JS_API_PREFIX}.CONSUMER.INFO.${stream}.*`,
    `${JS_API_PREFIX}.CONSUMER.MSG.NEXT.${stream}.*`,
    `${JS_API_PREFIX}.CONSUMER.DELETE.${stream}.*`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/**
 * One durable pull consumer, and nothing else of its stream: stream info (to ensure it), create
 * or update it, info, next, ack.
 */
export function durableConsumerSubjects(stream: StreamName, name: string): string[] {
  return [
    `${JS_API_PREFIX}.STREAM.INFO.${stream}`,
    `${JS_API_PREFIX}.CONSUMER.CREATE.${stream}.${name}`,
    `${JS_API_PREFIX}.CONSUMER.CREATE.${stream}.${name}.>`,
    `${JS_API_PREFIX}.CONSUMER.DURABLE.CREATE.${stream}.${name}`,
    `${JS_API_PREFIX}.CONSUMER.INFO.${stream}.${name}`,
    `${JS_API_PREFIX}.CONSUMER.MSG.NEXT.${stream}.${name}`,
    `$JS.ACK.${stream}.${name}.>`,
  ];
}

/**
 * What a reader of `stream` must not touch on a durable it does not own (deny list): create,
 * update, delete, pull, ack.
 */
export function durableDenySubjects(stream: StreamName, name: string): string[] {
  return [
    `${JS_API_PREFIX}.CONSUMER.CREATE.${stream}.${name}`,
    `${JS_API_PREFIX}.CONSUMER.CREATE.${stream}.${name}.>`,
    `${JS_API_PREFIX}.CONSUMER.DURABLE.CREATE.${stream}.${name}`,
    `${JS_API_PREFIX}.CONSUMER.DELETE.${stream}.${name}`,
    `${JS_API_PREFIX}.CONSUMER.MSG.NEXT.${stream}.${name}`,
    `$JS.ACK.${stream}.${name}.>`,
  ];
}

/** Creating or updating a KV bucket (messaging `ensureKv`). */
export function kvEnsureSubjects(bucket: BucketName): string[] {
  return streamEnsureSubjects(kvStreamName(bucket));
}

/**
 * `kvm.create` of a bucket only its owner declares: info, then create when it is missing (the
 * client never updates an existing one).
 */
export function kvCreateSubjects(bucket: AnyBucket): string[] {
  const stream = kvStreamName(bucket);
  return [`${JS_API_PREFIX}.STREAM.INFO.${stream}`, `${JS_API_PREFIX}.STREAM.CREATE.${stream}`];
}

/** Opening, reading and watching a KV bucket (`kvm.open`, `get`, `watch`, `keys`). */
export function kvReadSubjects(bucket: AnyBucket): string[] {
  return streamReadSubjects(kvStreamName(bucket));
}

/** Writing (put, create, update, delete) keys of a bucket; `key` may be `>` for every key. */
export function kvWriteSubjects(bucket: AnyBucket, key = '>'): string[] {
  return [`${kvKeyPrefix(bucket)}.${key}`];
}
