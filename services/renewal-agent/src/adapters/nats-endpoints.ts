import {
  AgentRenewRequestSchema,
  AgentStatusRequestSchema,
  AppError,
  ErrorCode,
} from '@fedplane/core';
import {
  addServiceEndpoints,
  agentRenewSubject,
  agentStatusSubject,
  defineEndpoint,
  type EndpointDefinition,
  type Log,
} from '@fedplane/messaging';
import type { NatsConnection } from '@nats-io/nats-core';
import type { NodeAgent } from '../shell/node-agent.js';

/**
 * The agents' request/reply endpoints (bus.md, service `renewal-agent`):
 * `fed.agent.<node>.renew` (renew now; reply `AgentRenewReply`) and `fed.agent.<node>.status`
 * (reply `NodeStatus`). A simulation registers its agents in services of at most
 * {@link AGENTS_PER_SERVICE} agents, so `$SRV.INFO` of each stays far below the NATS payload
 * limit.
 */

/** Agents per `renewal-agent` service instance. */
export const AGENTS_PER_SERVICE = 256;

/** One registered `renewal-agent` service instance. */
type Service = Awaited<ReturnType<typeof addServiceEndpoints>>;

/** Registered endpoints. */
export type AgentEndpoints = {
  readonly services: readonly Service[];
  /** Stops intake on every service (idempotent). */
  stop(): Promise<void>;
};

function endpointsOf(agent: NodeAgent): EndpointDefinition[] {
  const renew = defineEndpoint({
    subject: agentRenewSubject(agent.nodeId),
    name: 'renew',
    schema: AgentRenewRequestSchema,
    handler: (request) => agent.renewNow(request),
  });
  const status = defineEndpoint({
    subject: agentStatusSubject(agent.nodeId),
    name: 'status',
    schema: AgentStatusRequestSchema,
    handler: () => {
      const body = agent.status();
      if (body === null) {
        return Promise.reject(
          new AppError(ErrorCode.UNAVAILABLE, 'no credential held', {
            details: { reason: 'no_credential' },
          }),
        );
      }
      return Promise.resolve(body);
    },
  });
  return [renew, status];
}

/** Registers both endpoints of every agent. */
export async function registerAgentEndpoints(
  nc: NatsConnection,
  agents: readonly NodeAgent[],
  options: { readonly log: Log; readonly version: string },
): Promise<AgentEndpoints> {
  const services: Service[] = [];
  try {
    for (let start = 0; start < agents.length; start += AGENTS_PER_SERVICE) {
      const chunk = agents.slice(start, start + AGENTS_PER_SERVICE);
      services.push(
        await addServiceEndpoints(nc, {
          name: 'renewal-agent',
          version: options.version,
          description: 'node credential renewal agent',
          log: options.log,
          endpoints: chunk.flatMap(endpointsOf),
          metadata: { nodes: String(chunk.length), first_node: chunk[0]?.nodeId ?? '' },
        }),
      );
    }
  } catch (err) {
    await Promise.all(services.map((s) => s.stop()));
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    services,
    stop: () => {
      stopping ??= Promise.all(services.map((s) => s.stop())).then(() => undefined);
      return stopping;
    },
  };
}
