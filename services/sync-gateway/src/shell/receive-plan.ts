import { peerNamespaceAllowed, verifyEd25519, type DlqClass } from '@fedplane/core';
import { FedHeader, parseSyncRecordSubject } from '@fedplane/messaging';
import type { JsMsg } from '@nats-io/jetstream';
import type { StoredVersion } from '../adapters/pg-replica.js';
import { decideReceive, type OriginSignature } from '../core/receive-decision.js';
import { toVersion } from '../core/record-version.js';
import { settleSignature, type PendingSignature } from './origin-verifier.js';
import type { ReceiverOptions } from './receiver.js';

/**
 * What the receive path does with each message of a micro-batch (sync.md, Receive path): the
 * origin signatures of the batch (credential checks cached, the Ed25519 verifies in one batch,
 * off the event loop when a pool is given; none for our own records), then one decision per
 * message (core `decideReceive`): ack (own), apply, or dead-letter with its class.
 */

/** What planning reads from the receiver's options. */
export type PlanContext = Pick<
  ReceiverOptions,
  'nodeId' | 'verifier' | 'pool' | 'nowMs' | 'requireSig' | 'scopes' | 'dlq'
>;

/** The plan for one message. */
export type Planned =
  | { kind: 'ack'; msg: JsMsg }
  | { kind: 'apply'; msg: JsMsg; version: StoredVersion }
  | { kind: 'dlq'; msg: JsMsg; run: () => Promise<void> };

/** Why a message is dead-lettered. */
export type Letter = {
  readonly origin: string;
  readonly class: DlqClass;
  readonly detail: string;
  readonly recordId?: string | undefined;
  readonly namespace?: string | undefined;
};

/** The origin signature of each message (undefined: own record or bad subject, none needed). */
export async function signaturesOf(
  options: PlanContext,
  msgs: readonly JsMsg[],
): Promise<(OriginSignature | undefined)[]> {
  const nowS = Math.floor(options.nowMs() / 1000);
  const checks = msgs.map((msg) => {
    const origin = parseSyncRecordSubject(msg.subject);
    if (!origin.ok || origin.value === options.nodeId) return undefined;
    return options.verifier.check(msg.headers, msg.data, nowS);
  });
  const pending: { index: number; check: PendingSignature }[] = [];
  for (const [index, check] of checks.entries()) {
    if (check?.kind === 'pending') pending.push({ index, check });
  }
  const items = pending.map(({ index, check }) => ({
    publicKey: check.publicKey,
    signature: check.signature,
    body: msgs[index]?.data ?? new Uint8Array(),
  }));
  const valid =
    options.pool === undefined
      ? items.map((item) => verifyEd25519(item.publicKey, item.body, item.signature))
      : await options.pool.verify(items);
  const out: (OriginSignature | undefined)[] = checks.map((check) =>
    check === undefined || check.kind === 'pending' ? undefined : check,
  );
  for (const [n, { index, check }] of pending.entries()) {
    out[index] = settleSignature(check, valid[n] === true);
  }
  return out;
}

/** The plan of one message given its origin signature. */
export function plan(
  options: PlanContext,
  msg: JsMsg,
  signature: OriginSignature | undefined,
): Planned {
  const origin = parseSyncRecordSubject(msg.subject);
  const originId = origin.ok ? origin.value : 'unknown';
  // Our own records were applied at push: no signature to check (one Ed25519 verify saved).
  if (originId === options.nodeId) return { kind: 'ack', msg };
  const decision = origin.ok
    ? decideReceive({
        self: options.nodeId,
        origin: origin.value,
        body: msg.data,
        signature: signature ?? { kind: 'unsigned' },
        requireSig: options.requireSig(),
        originMayWrite: (ns) =>
          !options.scopes.has(origin.value) ||
          peerNamespaceAllowed(options.scopes, origin.value, ns),
      })
    : ({
        kind: 'dead_letter',
        class: 'invalid',
        detail: 'subject is not fed.sync.rec.<node>',
      } as const);
  if (decision.kind === 'own') return { kind: 'ack', msg };
  if (decision.kind === 'apply') {
    const version = toVersion(decision.validated, originId, decision.bytes);
    if (version !== undefined)
      return { kind: 'apply', msg, version: { ...version, streamSeq: msg.seq } };
  }
  const letter =
    decision.kind === 'dead_letter'
      ? decision
      : ({ class: 'invalid', detail: 'bad updated_at' } as const);
  return deadLetter(options, msg, { origin: originId, ...letter });
}

/** A dead-letter plan for `msg`. */
export function deadLetter(options: PlanContext, msg: JsMsg, letter: Letter): Planned {
  return {
    kind: 'dlq',
    msg,
    run: () =>
      options.dlq({
        ...letter,
        msgId: msg.headers?.get(FedHeader.MsgId) ?? '',
        streamSeq: msg.seq,
        body: msg.data,
        headers: msg.headers,
      }),
  };
}

/** A version Postgres refused (SQLSTATE class 22/23): poison for that record only. */
export function refusedLetter(version: StoredVersion, err: unknown): Letter {
  const message = err instanceof Error ? err.message : String(err);
  return {
    origin: version.origin,
    class: 'invalid',
    detail: `refused by the replica store: ${message}`,
    recordId: version.id,
    namespace: version.namespace,
  };
}
