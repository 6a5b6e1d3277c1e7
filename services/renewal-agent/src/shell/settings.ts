import type { RenewalPolicy } from '@fedplane/core';

/**
 * The tunables of every agent in a process (from `config.ts`; tests build them directly).
 */

/** How the agent gets its credentials. */
export const RenewalMode = {
  /** Attest with a join token, then renew over NATS by proof of possession. */
  issuer: 'issuer',
  /** Re-read the credential file an external issuer writes (the reference behaviour). */
  file: 'file',
} as const;
/** A renewal mode. */
export type RenewalMode = (typeof RenewalMode)[keyof typeof RenewalMode];

/** Settings shared by the agents of one process. */
export type AgentSettings = {
  readonly mode: RenewalMode;
  /** Renewal timing (core `planRenewal`): `renewBeforeS` and the backoff. */
  readonly policy: RenewalPolicy;
  /** Longest wait between failed attestations, seconds. */
  readonly maxAttestBackoffS: number;
  /** Rotate the node key at every renewal (`new_public_key`). */
  readonly rotateKey: boolean;
  /** `FED_STATUS_INTERVAL` in ms: the status is re-published at least this often. */
  readonly statusIntervalMs: number;
  /** `file` mode: how often the files are re-read, ms. */
  readonly fileIntervalMs: number;
  /** `agent_version` in the status. */
  readonly agentVersion: string;
};

/** The agent's version, reported as `agent_version` and in `$SRV.INFO`. */
export const AGENT_VERSION = '0.1.0';
