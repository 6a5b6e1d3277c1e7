import { NodeStatusSchema, type NodeStatus, type ServiceName } from '@fedplane/core';
import {
  serviceStatusSubject,
  StreamName,
  verifySignedMessage,
  type TrustWatch,
} from '@fedplane/messaging';
import type { JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import { expect } from 'vitest';
import { eventually } from './messaging-fixtures.js';

/**
 * The process suites' check of a service instance's signed status (bus.md FED_STATUS): the latest
 * status of `svc/<service>/<instance>` stamped since `sinceMs` whose body reports no failing
 * readiness check (published on change, so well before the 15 s period), verified against the
 * trust bundle as `credential_signed` for that identity and able to sign. Returns its body.
 */
export async function expectVerifiedReadyStatus(input: {
  readonly jsm: JetStreamManager;
  readonly trust: TrustWatch;
  readonly service: ServiceName;
  readonly instance: string;
  readonly sinceMs: number;
}): Promise<NodeStatus> {
  const agentId = `svc/${input.service}/${input.instance}`;
  const subject = serviceStatusSubject(input.service, input.instance);
  const decode = (m: StoredMsg): unknown => JSON.parse(new TextDecoder().decode(m.data));
  let found: StoredMsg | undefined;
  await eventually(async () => {
    const m = await input.jsm.streams
      .getMessage(StreamName.status, { last_by_subj: subject })
      .catch(() => null);
    if (m === null || m.time.getTime() < input.sinceMs) return false;
    const body = NodeStatusSchema.safeParse(decode(m));
    if (body.success && body.data.last_error === undefined) found = m;
    return found !== undefined;
  }, 20_000).catch(() => {
    throw new Error(`no ready status of ${agentId} since ${new Date(input.sinceMs).toISOString()}`);
  });
  if (found === undefined) throw new Error(`no ready status of ${agentId}`);
  const bundle = input.trust.current();
  if (bundle === undefined) throw new Error('no trust bundle');
  const attested = verifySignedMessage({
    headers: found.header,
    body: found.data,
    bundle,
    nowS: Math.floor(Date.now() / 1000),
    actor: agentId,
  });
  expect(attested.attest_level).toBe('credential_signed');
  const body = NodeStatusSchema.parse(decode(found));
  expect(body).toMatchObject({ node_id: agentId, can_sign: true });
  return body;
}
