import type { VerifierBundle } from '@fedplane/core';
import type { CredentialSigner } from '@fedplane/messaging';
import type { FileRead } from '../core/file-refresh.js';

/**
 * The ports an agent works through (house-style §2.3 rule 4): the node key, the credential files,
 * the trust bundle, the join token, and the bus publisher. Adapters implement them over the file
 * system and NATS; the simulation and the unit tests use the in-memory ones in `memory-stores.ts`.
 */

/** An Ed25519 key pair: the 32-byte seed (never leaves the process) and its public key. */
export type KeyPair = { readonly seed: Uint8Array; readonly publicKey: Uint8Array };

/** The node key, with one staged next key for rotation at renewal. */
export interface KeyStore {
  /** The current key (generated and stored when absent) and the staged next key, if any. */
  load(): Promise<{ readonly current: KeyPair; readonly next: KeyPair | null }>;
  /** Generates and stores the next key; returns the already staged one when there is one. */
  stageNext(): Promise<KeyPair>;
  /** Makes the staged key the current one (no-op when none is staged). */
  promoteNext(): Promise<void>;
}

/** The credential and chain as stored (files in the ai-memory format). */
export interface CredentialStore {
  /** Both files as they are now. */
  read(): Promise<{ readonly leaf: FileRead; readonly chain: FileRead }>;
  /** Writes the chain (or removes it when `chain` is undefined), then the leaf, durably. */
  write(leaf: string, chain: string | undefined): Promise<void>;
}

/** The live trust bundle (undefined before the first one is known). */
export type TrustView = { current(): VerifierBundle | undefined };

/** The join token for the next attestation, or undefined when none is configured. */
export type JoinTokenSource = () => Promise<string | undefined>;

/** An event the agent emits about its credential. */
export type AgentEvent = {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** Id of the request or event that caused it. */
  readonly cause?: string;
};

/** Where an agent's events and status messages go (signed by the agent's credential). */
export interface AgentPublisher {
  /** Queues one event about the agent's node (published with retries; never throws). */
  event(signer: CredentialSigner, event: AgentEvent): void;
  /** Publishes the status body to `fed.status.node.<node>`; rejects when not stored. */
  status(signer: CredentialSigner, body: Uint8Array): Promise<void>;
}

/** Outcome of one attempt, for `fedplane_renewal_attempts_total{result}`. */
export type AttemptResult = 'ok' | 'unchanged' | 'rejected' | 'refused' | 'error';

/** Counts attempts. */
export type AttemptRecorder = { attempt(result: AttemptResult): void };
