import {
  NodeStatusSchema,
  fromUtf8,
  parseJsonText,
  type NodeStatus,
  type VerifierBundle,
} from '@fedplane/core';
import {
  StreamName,
  SubjectFilter,
  parseServiceStatusSubject,
  serviceStatusSubject,
  verifySignedMessage,
  type Bus,
} from '@fedplane/messaging';
import type { StoredMsg } from '@nats-io/jetstream';
import type { ServiceView } from './status-model.js';

/**
 * Signed statuses in `FED_STATUS` as `fedplane status` reads them: one latest status verified
 * against the trust bundle (nodes and service instances alike), and the service instances
 * (`fed.status.svc.<service>.<instance>`) that published one.
 */

/** What a status read needs. */
export type NodeRead = { bus: Bus; bundle: VerifierBundle | undefined; nowMs: number };

/** A verified, parsed latest status of `actor` on `subject`. */
export type StatusRead =
  | { readonly kind: 'missing' | 'malformed' }
  | {
      readonly kind: 'status';
      readonly status: NodeStatus;
      readonly stored: StoredMsg;
      readonly signature: string;
      /** Signed by a valid credential and the body says it can sign. */
      readonly canSign: boolean;
    };

/** The latest status of `actor` on `subject`, verified against `bundle` when there is one. */
export async function readStatus(
  read: NodeRead,
  subject: string,
  actor: string,
): Promise<StatusRead> {
  const stored = await read.bus.jsm.streams
    .getMessage(StreamName.status, { last_by_subj: subject })
    .catch(() => null);
  if (stored === null) return { kind: 'missing' };
  const text = fromUtf8(stored.data);
  const json = text === undefined ? undefined : parseJsonText(text);
  const parsed = json?.ok === true ? NodeStatusSchema.safeParse(json.value) : undefined;
  if (parsed?.success !== true) return { kind: 'malformed' };
  const nowS = Math.floor(read.nowMs / 1000);
  let signature = 'unverified';
  if (read.bundle !== undefined) {
    const attestation = verifySignedMessage({
      headers: stored.header,
      body: stored.data,
      bundle: read.bundle,
      nowS,
      actor,
    });
    signature =
      attestation.attest_level === 'invalid_signature'
        ? `invalid_signature:${attestation.reason}`
        : attestation.attest_level;
  }
  const status = parsed.data;
  const valid = status.not_before <= nowS && nowS < status.not_after;
  return {
    kind: 'status',
    status,
    stored,
    signature,
    canSign: signature === 'credential_signed' && valid && status.can_sign,
  };
}

/** The service instances with a status in `FED_STATUS`, sorted by id; malformed ones skipped. */
export async function readServices(
  read: NodeRead,
  presentWindowMs: number,
): Promise<ServiceView[]> {
  const info = await read.bus.jsm.streams.info(StreamName.status, {
    subjects_filter: SubjectFilter.serviceStatus,
  });
  const views: ServiceView[] = [];
  for (const subject of Object.keys(info.state.subjects ?? {})) {
    const parsed = parseServiceStatusSubject(subject);
    if (!parsed.ok) continue;
    const { service, instance } = parsed.value;
    const id = `svc/${service}/${instance}`;
    const got = await readStatus(read, serviceStatusSubject(service, instance), id);
    if (got.kind !== 'status') continue;
    views.push({
      id,
      present: read.nowMs - got.stored.time.getTime() <= presentWindowMs,
      can_sign: got.canSign,
      not_after: got.status.not_after,
      signature: got.signature,
      last_error: got.status.last_error ?? null,
    });
  }
  return views.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
