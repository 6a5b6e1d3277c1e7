import {
  AppError,
  ErrorCode,
  NATS_ERROR_CODE,
  fromUtf8,
  parseJsonText,
  toWireError,
  utf8,
  type ErrorBody,
} from '@fedplane/core';
import { nuid, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { Svcm, type Service, type ServiceMsg } from '@nats-io/services';
import type { Log } from './log.js';
import { schemaIssues, type ParseSchema } from './schema.js';

/**
 * Request/reply endpoints through `@nats-io/services` (bus.md, Request/reply services): queue
 * group `q`, so `$SRV.PING|INFO|STATS` work and instances share the load. Requests are UTF-8 JSON
 * (an empty body reads as `{}`), size-capped and zod-validated before the handler sees them;
 * replies are JSON. Errors go out with `Nats-Service-Error` (the message, one line) and
 * `Nats-Service-Error-Code` (core `NATS_ERROR_CODE`) and the body `{error, message, ...details}`.
 */

/** Queue group of every fedplane endpoint. */
export const SERVICE_QUEUE = 'q';
/** Default request size cap in bytes (64 KiB). */
export const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;
const MAX_HEADER_TEXT = 256;

/** What a handler gets besides the validated request. */
export type EndpointContext = {
  readonly subject: string;
  readonly headers: MsgHdrs | undefined;
  /** The exact request bytes (for signature checks over carried bytes). */
  readonly body: Uint8Array;
  /** Unique per request; in logs and in `INTERNAL` error bodies. */
  readonly requestId: string;
  /** The service logger (add `request_id` to what you log about this request). */
  readonly log: Log;
};

/** One endpoint: a subject from `subjects.ts`, the request schema and the handler. */
export type EndpointDefinition<T = unknown> = {
  readonly subject: string;
  /** Endpoint name in `$SRV.INFO` (`[-\w]+`); default: the subject's last token. */
  readonly name?: string;
  /** Request schema (any zod schema). */
  readonly schema: ParseSchema<T>;
  /** Size cap for this endpoint (default: the service's, else {@link DEFAULT_MAX_REQUEST_BYTES}). */
  readonly maxBytes?: number;
  /**
   * Returns the reply value (JSON-serialisable). Throw `AppError` for an error reply with its
   * code; anything else becomes `INTERNAL`.
   */
  handler(request: T, ctx: EndpointContext): Promise<unknown>;
};

/** Keeps the handler's request type tied to its schema when endpoints are listed in an array. */
export function defineEndpoint<T>(def: EndpointDefinition<T>): EndpointDefinition<T> {
  return def;
}

/** Input of {@link addServiceEndpoints}. */
export type ServiceDefinition = {
  /** Service name (bus.md: `issuer`, `approvals`, `auditor`, …). */
  readonly name: string;
  /** Semver. */
  readonly version: string;
  readonly description: string;
  readonly log: Log;
  readonly endpoints: readonly EndpointDefinition[];
  /** Default request size cap for every endpoint. */
  readonly maxBytes?: number;
  readonly metadata?: Readonly<Record<string, string>>;
};

/** Single-line, bounded text for a header value. */
function headerText(text: string): string {
  // eslint-disable-next-line no-control-regex -- header values must not carry control characters
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, MAX_HEADER_TEXT);
}

/** Replies with an error: service error headers plus the JSON body. */
export function respondWithError(msg: ServiceMsg, body: ErrorBody): void {
  msg.respondError(
    NATS_ERROR_CODE[body.error],
    headerText(body.message),
    utf8(JSON.stringify(body)),
  );
}

function endpointName(def: EndpointDefinition): string {
  if (def.name !== undefined) return def.name;
  const last = def.subject.split('.').pop() ?? '';
  return /^[-\w]+$/.test(last) ? last : 'endpoint';
}

/** Reads and validates the request; throws `AppError` (`TOO_LARGE` / `BAD_REQUEST`). */
function readRequest<T>(data: Uint8Array, def: EndpointDefinition<T>, maxBytes: number): T {
  if (data.byteLength > maxBytes) {
    throw new AppError(ErrorCode.TOO_LARGE, 'request too large', {
      details: { size: data.byteLength, max: maxBytes },
    });
  }
  const text = fromUtf8(data);
  if (text === undefined) throw new AppError(ErrorCode.BAD_REQUEST, 'request is not UTF-8');
  const json = text.length === 0 ? { ok: true as const, value: {} } : parseJsonText(text);
  if (!json.ok) {
    throw new AppError(ErrorCode.BAD_REQUEST, 'request is not JSON', {
      details: { issues: [{ path: '', code: 'invalid_json', message: json.error.message }] },
    });
  }
  const parsed = def.schema.safeParse(json.value);
  if (!parsed.success) {
    throw new AppError(ErrorCode.BAD_REQUEST, 'request failed validation', {
      details: { issues: schemaIssues(parsed.error) },
    });
  }
  return parsed.data;
}

async function handle(
  msg: ServiceMsg,
  def: EndpointDefinition,
  service: { readonly log: Log; readonly maxBytes: number },
): Promise<void> {
  const requestId = nuid.next();
  const ctx: EndpointContext = {
    subject: msg.subject,
    headers: msg.headers,
    body: msg.data,
    requestId,
    log: service.log,
  };
  let reply: Uint8Array;
  try {
    const request: unknown = readRequest(msg.data, def, def.maxBytes ?? service.maxBytes);
    const result = await def.handler(request, ctx);
    reply = utf8(JSON.stringify(result ?? {}));
  } catch (err) {
    const body = toWireError(err);
    if (body.error === ErrorCode.INTERNAL) {
      service.log.error({ err, request_id: requestId, subject: msg.subject }, 'request failed');
      respondWithError(msg, { ...body, request_id: requestId });
    } else {
      service.log.debug(
        { code: body.error, request_id: requestId, subject: msg.subject },
        'request refused',
      );
      respondWithError(msg, body);
    }
    return;
  }
  msg.respond(reply);
}

/**
 * Registers a service with its endpoints (queue group `q`) and returns it; `service.stop()`
 * stops intake (drains the endpoint subscriptions). Resolves once the server knows the
 * endpoints (flushed). Requests are handled concurrently. Throws
 * when the name, version or a subject is invalid (a programming error).
 */
export async function addServiceEndpoints(
  nc: NatsConnection,
  def: ServiceDefinition,
): Promise<Service> {
  const service = await new Svcm(nc).add({
    name: def.name,
    version: def.version,
    description: def.description,
    queue: SERVICE_QUEUE,
    ...(def.metadata === undefined ? {} : { metadata: { ...def.metadata } }),
  });
  const shared = { log: def.log, maxBytes: def.maxBytes ?? DEFAULT_MAX_REQUEST_BYTES };
  try {
    for (const endpoint of def.endpoints) {
      service.addEndpoint(endpointName(endpoint), {
        subject: endpoint.subject,
        queue: SERVICE_QUEUE,
        handler: (err, msg) => {
          if (err !== null) {
            def.log.error({ err, subject: endpoint.subject }, 'endpoint subscription failed');
            return;
          }
          handle(msg, endpoint, shared).catch((failure: unknown) => {
            def.log.error({ err: failure, subject: endpoint.subject }, 'reply failed');
          });
        },
      });
    }
  } catch (err) {
    await service.stop();
    throw err;
  }
  // Round-trip to the server so the endpoint subscriptions are registered there before the
  // caller announces readiness: a request from another connection right after this resolves
  // finds a responder.
  await nc.flush();
  return service;
}
