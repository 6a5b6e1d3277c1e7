import { verifyStoredChain, type Connectable } from '@fedplane/audit-store';
import {
  AppError,
  AuditHeadRequestSchema,
  AuditVerifyRequestSchema,
  ErrorCode,
  type AuditHeadReply,
  type AuditVerifyReply,
  type VerifierBundle,
} from '@fedplane/core';
import { FixedSubject, addServiceEndpoints, defineEndpoint, type Log } from '@fedplane/messaging';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { checkpointToCheck, verifyReply } from '../core/verify-request.js';
import { readLatestCheckpoint } from '../shell/latest-checkpoint.js';

/**
 * The auditor's request/reply endpoints (bus.md: service `auditor`, queue group `q`), served by
 * every instance whether or not it holds the lease — they only read the database and KV:
 * - `fed.audit.head` `{}` → the latest signed checkpoint (`NOT_FOUND` before the first one);
 * - `fed.audit.verify` `{from?, checkpoint?}` → `{rows_checked, first_break,
 *   signature_failures, checkpoint}`; without a `checkpoint` the latest one is checked when its
 *   row lies in the walked range. Database failures answer `UNAVAILABLE`.
 */

/** Dependencies of {@link registerAuditorEndpoints}. */
export type AuditorEndpointDeps = {
  readonly nc: NatsConnection;
  readonly pool: Connectable;
  /** The `fed-audit` bucket. */
  readonly kv: KV;
  readonly trust: { current(): VerifierBundle | undefined };
  readonly log: Log;
  readonly version: string;
};

/** The running service (its `stop()` ends intake). */
export type AuditorEndpoints = Awaited<ReturnType<typeof addServiceEndpoints>>;

function unavailable(err: unknown): Error {
  if (err instanceof AppError) return err as Error;
  return new AppError(ErrorCode.UNAVAILABLE, 'audit store unavailable', { cause: err });
}

/** Registers service `auditor` with `fed.audit.head` and `fed.audit.verify`. */
export function registerAuditorEndpoints(deps: AuditorEndpointDeps): Promise<AuditorEndpoints> {
  const head = defineEndpoint({
    subject: FixedSubject.auditHead,
    name: 'head',
    schema: AuditHeadRequestSchema,
    handler: async (): Promise<AuditHeadReply> => {
      const latest = await readLatestCheckpoint(deps).catch((err: unknown) => {
        throw unavailable(err);
      });
      if (latest === null) throw new AppError(ErrorCode.NOT_FOUND, 'no checkpoint yet');
      return latest.envelope;
    },
  });
  const verify = defineEndpoint({
    subject: FixedSubject.auditVerify,
    name: 'verify',
    schema: AuditVerifyRequestSchema,
    handler: async (request, ctx): Promise<AuditVerifyReply> => {
      try {
        const latest = request.checkpoint === undefined ? await readLatestCheckpoint(deps) : null;
        const checkpoint = checkpointToCheck(request, latest?.checkpoint ?? null);
        const result = await verifyStoredChain(deps.pool, {
          ...(request.from === undefined ? {} : { fromSeq: request.from }),
          checkpoint,
          issuerKeys: deps.trust.current()?.keys ?? new Map(),
        });
        if (!result.ok) {
          throw new AppError(ErrorCode.NOT_FOUND, 'no row before the requested start', {
            details: { ...result.error },
          });
        }
        ctx.log.info(
          {
            request_id: ctx.requestId,
            ...result.report,
            signature_failures: result.report.signature_failures.length,
          },
          'audit chain verified',
        );
        return verifyReply(result.report);
      } catch (err) {
        throw unavailable(err);
      }
    },
  });
  return addServiceEndpoints(deps.nc, {
    name: 'auditor',
    version: deps.version,
    description: 'audit hash chain: head checkpoint and verification',
    log: deps.log,
    endpoints: [head, verify],
  });
}
