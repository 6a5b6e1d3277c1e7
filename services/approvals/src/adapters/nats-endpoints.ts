import { ApprovalGetRequestSchema, ApprovalRequestSchema } from '@fedplane/core';
import {
  FixedSubject,
  addServiceEndpoints,
  defineEndpoint,
  type EndpointDefinition,
} from '@fedplane/messaging';
import type { NatsConnection } from '@nats-io/nats-core';
import type { ApprovalsDeps } from '../shell/approvals-deps.js';
import { handleGetPending } from '../shell/handle-pending.js';
import { handleRequest } from '../shell/handle-request.js';

/**
 * The approvals NATS service (bus.md): service `approvals`, queue group `q`, endpoints
 * `fed.approvals.request` and `fed.approvals.get`, JSON validated by core's schemas before the
 * use cases see it. The request id is the `cause` of the events when the request names none.
 */

/** Request size cap: the payload (64 KiB of JSON) plus the other fields. */
export const APPROVALS_MAX_REQUEST_BYTES = 72 * 1024;

/** The endpoint definitions over `deps`. */
export function approvalsEndpoints(deps: ApprovalsDeps): readonly EndpointDefinition[] {
  return [
    defineEndpoint({
      subject: FixedSubject.approvalsRequest,
      schema: ApprovalRequestSchema,
      handler: (req, ctx) => handleRequest(deps, req, ctx.requestId),
    }),
    defineEndpoint({
      subject: FixedSubject.approvalsGet,
      schema: ApprovalGetRequestSchema,
      handler: (req) => handleGetPending(deps, req.pending_id),
    }),
  ];
}

/** Registers the `approvals` service on `nc`; `stop()` on the result stops intake. */
export function registerApprovalsEndpoints(
  nc: NatsConnection,
  deps: ApprovalsDeps,
  meta: { readonly version: string; readonly instance: string },
): ReturnType<typeof addServiceEndpoints> {
  return addServiceEndpoints(nc, {
    name: 'approvals',
    version: meta.version,
    description: 'human approval of governed actions: requests, decisions, remembered rules',
    log: deps.log,
    maxBytes: APPROVALS_MAX_REQUEST_BYTES,
    metadata: { instance: meta.instance },
    endpoints: approvalsEndpoints(deps),
  });
}
