import {
  AttestRequestSchema,
  BundleRequestSchema,
  EnrollRequestSchema,
  IntermediateRequestSchema,
  RenewRequestSchema,
  RevokeRequestSchema,
} from '@fedplane/core';
import {
  FixedSubject,
  addServiceEndpoints,
  defineEndpoint,
  type EndpointDefinition,
} from '@fedplane/messaging';
import type { NatsConnection } from '@nats-io/nats-core';
import { handleAttest } from '../shell/handle-attest.js';
import { handleEnroll, handleRevoke } from '../shell/handle-enroll.js';
import { handleBundle, handleIntermediate, handleRotate } from '../shell/handle-intermediate.js';
import { handleRenew } from '../shell/handle-renew.js';
import type { IssuerDeps } from '../shell/issuer-deps.js';
import { ISSUER_ROTATE_SUBJECT, RotateRequestSchema } from './admin-rotate.js';

/**
 * The issuer's NATS service (bus.md): service `issuer`, queue group `q`, one endpoint per
 * subject, JSON requests validated by core's schemas (size-capped) before the use cases see them.
 * Each request's id is passed on as the `cause` of the events it produces.
 */

/** Request size cap: a credential and a chain (8 KiB each) plus the other fields. */
export const ISSUER_MAX_REQUEST_BYTES = 32 * 1024;

/** The issuer's endpoint definitions over `deps`. */
export function issuerEndpoints(deps: IssuerDeps): readonly EndpointDefinition[] {
  return [
    defineEndpoint({
      subject: FixedSubject.issuerEnroll,
      schema: EnrollRequestSchema,
      handler: (req, ctx) => handleEnroll(deps, req, ctx.requestId),
    }),
    defineEndpoint({
      subject: FixedSubject.issuerAttest,
      schema: AttestRequestSchema,
      handler: (req, ctx) => handleAttest(deps, req, ctx.requestId),
    }),
    defineEndpoint({
      subject: FixedSubject.issuerRenew,
      schema: RenewRequestSchema,
      handler: (req, ctx) => handleRenew(deps, req, ctx.requestId),
    }),
    defineEndpoint({
      subject: FixedSubject.issuerRevoke,
      schema: RevokeRequestSchema,
      handler: (req, ctx) => handleRevoke(deps, req, ctx.requestId),
    }),
    defineEndpoint({
      subject: FixedSubject.issuerIntermediate,
      schema: IntermediateRequestSchema,
      handler: (req, ctx) => handleIntermediate(deps, req, ctx.requestId),
    }),
    defineEndpoint({
      subject: FixedSubject.issuerBundle,
      schema: BundleRequestSchema,
      handler: () => Promise.resolve(handleBundle(deps)),
    }),
    defineEndpoint({
      subject: ISSUER_ROTATE_SUBJECT,
      schema: RotateRequestSchema,
      handler: (_req, ctx) => handleRotate(deps, ctx.requestId),
    }),
  ];
}

/** Registers the `issuer` service on `nc`; `stop()` on the result stops intake. */
export function registerIssuerEndpoints(
  nc: NatsConnection,
  deps: IssuerDeps,
  meta: { readonly version: string; readonly instance: string },
): ReturnType<typeof addServiceEndpoints> {
  return addServiceEndpoints(nc, {
    name: 'issuer',
    version: meta.version,
    description: 'issues, renews and revokes fleet credentials; publishes the trust bundle',
    log: deps.log,
    maxBytes: ISSUER_MAX_REQUEST_BYTES,
    metadata: { instance: meta.instance },
    endpoints: issuerEndpoints(deps),
  });
}
