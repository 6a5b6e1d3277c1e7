import { AgentIdSchema } from '@fedplane/core';
import { optionalString, type ParsedArgs } from '../args.js';
import { UsageError } from '../usage-error.js';

/**
 * What the `fedplane approvals list|show|approve|deny` commands share: where the approvals HTTP
 * API is and how to authenticate to it, from flags or the environment (`APPROVALS_URL`,
 * `APPROVALS_API_KEY`, `APPROVALS_HMAC_SECRET`, `FEDPLANE_AGENT_ID`), and one JSON request.
 */

/** The environment the approvals commands read. */
export type ApprovalsCliEnv = Readonly<Record<string, string | undefined>>;

/** What the commands need from the process besides `CliIo`. */
export type ApprovalsCliDeps = {
  readonly env: () => ApprovalsCliEnv;
  /** The HTTP client (default: global fetch). */
  readonly fetch?: typeof fetch;
};

/** Default `APPROVALS_URL`. */
export const DEFAULT_APPROVALS_URL = 'http://127.0.0.1:8090';
const DEFAULT_TIMEOUT_MS = 10_000;

/** Flags shared by every approvals command. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  timeout: { type: 'string' },
} as const;

/** Where and how to reach the service. */
export type Connection = { readonly url: string; readonly apiKey: string | undefined };

/** The base URL and API key from `--url` / `--api-key`, else the environment. */
export function connection(args: ParsedArgs, env: ApprovalsCliEnv): Connection {
  const url = (
    optionalString(args, 'url') ??
    env['APPROVALS_URL'] ??
    DEFAULT_APPROVALS_URL
  ).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s]+$/.test(url))
    throw new UsageError(`--url must be http(s)://…, got ${url}`);
  return { url, apiKey: optionalString(args, 'api-key') ?? env['APPROVALS_API_KEY'] };
}

/** The caller's agent id from `--agent-id`, else `FEDPLANE_AGENT_ID`; required and validated. */
export function agentId(args: ParsedArgs, env: ApprovalsCliEnv): string {
  const id = optionalString(args, 'agent-id') ?? env['FEDPLANE_AGENT_ID'];
  if (id === undefined) throw new UsageError('--agent-id (or FEDPLANE_AGENT_ID) is required');
  if (!AgentIdSchema.safeParse(id).success) throw new UsageError(`invalid agent id ${id}`);
  return id;
}

/** The outcome of one HTTP call. */
export type HttpOutcome =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  | {
      readonly ok: false;
      readonly status: number | null;
      readonly body: unknown;
      readonly message: string;
    };

/** One request with a timeout; never throws for HTTP or network failures. */
export async function callApi(
  deps: ApprovalsCliDeps,
  input: {
    readonly url: string;
    readonly method: 'GET' | 'POST';
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly timeoutMs?: number;
  },
): Promise<HttpOutcome> {
  const doFetch = deps.fetch ?? fetch;
  try {
    const res = await doFetch(input.url, {
      method: input.method,
      headers: { ...input.headers },
      ...(input.body === undefined ? {} : { body: input.body }),
      signal: AbortSignal.timeout(input.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    if (res.ok) return { ok: true, status: res.status, body };
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? String(body.message)
        : `HTTP ${String(res.status)}`;
    return { ok: false, status: res.status, body, message };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      status: null,
      body: null,
      message: `approvals service unreachable: ${message}`,
    };
  }
}

/** Headers with the API key when one is known. */
export function apiKeyHeaders(conn: Connection): Record<string, string> {
  return conn.apiKey === undefined ? {} : { 'x-api-key': conn.apiKey };
}
