import { utf8, type NodeStatus } from '@fedplane/core';
import type { CredentialSigner, Log } from '@fedplane/messaging';
import type { Clock } from '@fedplane/runtime';
import { planAgentStep, type AgentStep } from '../core/agent-plan.js';
import { renewalFailedData, renewedData } from '../core/event-data.js';
import type { GaugeSource } from '../core/gauges.js';
import { lifecycleEvents, nextLifecycleAt, type LifecycleNoted } from '../core/lifecycle.js';
import { buildNodeStatus } from '../core/status-body.js';
import { createAgentSigner } from './agent-signer.js';
import type { AttemptOutcome, Failure, Held } from './attempt-outcome.js';
import type {
  AgentPublisher,
  AttemptRecorder,
  CredentialStore,
  KeyPair,
  KeyStore,
} from './ports.js';
import type { AgentSettings } from './settings.js';

/**
 * The state of one agent and the operations every attempt shares: swapping a credential in
 * (with its event, its files and the key promotion), recording a failure (with its event and the
 * next retry time), the lifecycle events, the status body and the signer. The attempt modules
 * (`issuer-attempt.ts`, `file-attempt.ts`) decide; this module carries the decision out.
 */

/** What the state needs. */
export type AgentStateDeps = {
  readonly nodeId: string;
  readonly settings: AgentSettings;
  readonly keys: KeyStore;
  readonly store: CredentialStore;
  readonly publisher: AgentPublisher;
  readonly metrics: AttemptRecorder;
  readonly clock: Clock;
  readonly log: Log;
  /** Randomness in [0, 1). */
  readonly random: () => number;
};

/** The mutable state of one agent (one per node). */
export class AgentState {
  key: KeyPair;
  staged: KeyPair | null = null;
  held: Held | undefined;
  failures = 0;
  /** Unix seconds (fractional) of the last failed attempt. */
  lastAttemptAt: number | undefined;
  lastError: string | undefined;
  /** The issuer refused the held credential itself: the next attempt attests. */
  reattest = false;
  lastRenewalAtMs: number | null = null;
  lastRenewS: number | undefined;
  noted: LifecycleNoted = {};
  /** The held credential is not yet in the files (a write failed); retried every step. */
  persistPending = false;
  /** The staged key is in use in memory but not yet promoted on disk. */
  keyPromotePending = false;
  /** The jitter used while nothing is held (attestation backoff). */
  private idleJitter: number;
  private readonly statusListeners = new Set<() => void>();
  readonly signer: CredentialSigner;

  constructor(
    readonly deps: AgentStateDeps,
    key: KeyPair,
  ) {
    this.key = key;
    this.idleJitter = deps.random();
    this.signer = createAgentSigner(deps.nodeId, {
      key: () => this.key,
      held: () => this.held,
    });
  }

  /** Unix seconds, fractional. */
  nowS(): number {
    return this.deps.clock.nowMs() / 1000;
  }

  /** True while the held credential is inside its validity window. */
  valid(): boolean {
    if (this.held === undefined) return false;
    const now = Math.floor(this.nowS());
    return this.held.claims.not_before <= now && now <= this.held.claims.not_after;
  }

  /** The plan for `now` (core `planAgentStep`). */
  plan(renewRequested: boolean): AgentStep {
    const { settings } = this.deps;
    return planAgentStep({
      held: this.held?.claims ?? null,
      attempts: {
        failures: this.failures,
        ...(this.lastAttemptAt === undefined ? {} : { lastAttemptAt: this.lastAttemptAt }),
      },
      policy: settings.policy,
      maxAttestBackoffS: settings.maxAttestBackoffS,
      nowS: this.nowS(),
      jitter: this.held?.jitter ?? this.idleJitter,
      renewRequested,
      reattest: this.reattest,
    });
  }

  /** When the next lifecycle event is due (Unix seconds), if any. */
  nextLifecycleAt(): number | undefined {
    return nextLifecycleAt({
      held: this.lifecycleCredential(),
      renewBeforeS: this.deps.settings.policy.renewBeforeS,
      noted: this.noted,
    });
  }

  /** Emits the due `credential.expiring` / `credential.expired` events (each once per credential). */
  checkLifecycle(): void {
    const outcome = lifecycleEvents({
      held: this.lifecycleCredential(),
      nowS: Math.floor(this.nowS()),
      renewBeforeS: this.deps.settings.policy.renewBeforeS,
      noted: this.noted,
    });
    this.noted = outcome.noted;
    for (const event of outcome.events) {
      const level = event.type === 'credential.expired' ? 'error' : 'warn';
      this.deps.log[level](
        { node_id: this.deps.nodeId, ...event.data },
        event.type === 'credential.expired' ? 'credential expired' : 'credential expiring',
      );
      this.deps.publisher.event(this.signer, event);
      this.notifyStatus();
    }
  }

  private lifecycleCredential(): { credentialId: string; notAfter: number } | null {
    return this.held === undefined
      ? null
      : { credentialId: this.held.credentialId, notAfter: this.held.claims.not_after };
  }

  /**
   * Swaps a new credential in: the key (when it was rotated), the state, the files (when
   * `persist`), the `credential.renewed` event and a status update.
   */
  async swapIn(
    next: Omit<Held, 'jitter'>,
    options: { readonly rotated: boolean; readonly persist: boolean; readonly cause?: string },
  ): Promise<AttemptOutcome> {
    const nowMs = this.deps.clock.nowMs();
    const previous = this.held;
    if (options.rotated && this.staged !== null) {
      this.key = this.staged;
      this.staged = null;
      this.keyPromotePending = true;
    }
    this.held = { ...next, jitter: this.deps.random() };
    this.failures = 0;
    this.lastAttemptAt = undefined;
    this.lastError = undefined;
    this.reattest = false;
    if (previous !== undefined) this.lastRenewalAtMs = nowMs;
    this.lastRenewS = Math.floor(nowMs / 1000);
    this.deps.metrics.attempt('ok');
    this.deps.log.info(
      {
        node_id: this.deps.nodeId,
        credential_id: next.credentialId,
        not_after: next.claims.not_after,
        key_rotated: options.rotated,
      },
      previous === undefined ? 'credential acquired' : 'credential renewed',
    );
    if (options.persist) {
      this.persistPending = true;
      await this.persist();
    }
    this.deps.publisher.event(this.signer, {
      type: 'credential.renewed',
      data: renewedData({
        claims: next.claims,
        credentialId: next.credentialId,
        renewedAtMs: nowMs,
        keyRotated: options.rotated,
        ...(previous === undefined ? {} : { previousCredentialId: previous.credentialId }),
      }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.notifyStatus();
    return { kind: 'swapped' };
  }

  /** Writes the held credential to the store, then promotes a rotated key; logs a failure. */
  async persist(): Promise<void> {
    const held = this.held;
    if (!this.persistPending || held === undefined) return;
    try {
      await this.deps.store.write(held.leaf, held.chain);
      if (this.keyPromotePending) {
        await this.deps.keys.promoteNext();
        this.keyPromotePending = false;
      }
      this.persistPending = false;
    } catch (err) {
      this.deps.log.error({ err, node_id: this.deps.nodeId }, 'credential write failed');
    }
  }

  /**
   * An attempt that left the held credential as it was, successfully. With `backoff` (a renewal
   * that got the held credential back) the next attempt still backs off as after a failure, so
   * an issuer that keeps answering with the same credential cannot make the agent spin.
   */
  unchanged(options: { readonly backoff?: boolean } = {}): AttemptOutcome {
    if (options.backoff === true) {
      this.failures += 1;
      this.lastAttemptAt = this.nowS();
    } else {
      this.failures = 0;
      this.lastAttemptAt = undefined;
    }
    this.lastError = undefined;
    this.deps.metrics.attempt('unchanged');
    this.notifyStatus();
    return { kind: 'unchanged' };
  }

  /**
   * Records a failed attempt: counters, log, `credential.renewal_failed` (when a credential is
   * held to sign it, and `emit`), a status update.
   */
  fail(
    kind: string,
    failure: Failure,
    options: { readonly emit?: boolean; readonly cause?: string; readonly retryAtMs?: number } = {},
  ): AttemptOutcome {
    this.failures += 1;
    this.lastAttemptAt = this.nowS();
    this.lastError = `${failure.reason}: ${failure.message}`;
    this.deps.metrics.attempt(failure.result);
    const next = this.plan(false);
    const retryAtMs =
      options.retryAtMs ?? (next.kind === 'wait' ? Math.round(next.atS * 1000) : undefined);
    this.deps.log.warn(
      {
        node_id: this.deps.nodeId,
        kind,
        failures: this.failures,
        code: failure.code,
        reason: failure.reason,
        detail: failure.message,
        not_after: this.held?.claims.not_after,
        retry_at_ms: retryAtMs,
      },
      'credential attempt failed',
    );
    if (this.held !== undefined && options.emit !== false) {
      this.deps.publisher.event(this.signer, {
        type: 'credential.renewal_failed',
        data: renewalFailedData({
          reason: failure.reason,
          detail: failure.message,
          attempt: this.failures,
          ...(retryAtMs === undefined ? {} : { retryAtMs }),
          held: { credentialId: this.held.credentialId, notAfter: this.held.claims.not_after },
        }),
        ...(options.cause === undefined ? {} : { cause: options.cause }),
      });
    }
    this.notifyStatus();
    return { kind: 'failed', failure };
  }

  /** The status body now, or null when nothing is held. */
  status(): NodeStatus | null {
    return buildNodeStatus({
      nodeId: this.deps.nodeId,
      held: this.held ?? null,
      nowMs: this.deps.clock.nowMs(),
      agentVersion: this.deps.settings.agentVersion,
      lastRenewalAtMs: this.lastRenewalAtMs,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    });
  }

  /** The inputs of the credential gauges. */
  gauge(): GaugeSource {
    return { notBefore: this.held?.claims.not_before, lastRenewS: this.lastRenewS };
  }

  /** Registers a listener for "the status may have changed"; returns its removal. */
  onStatusChange(listener: () => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Tells the status publisher to look again. */
  notifyStatus(): void {
    for (const listener of this.statusListeners) listener();
  }

  /** The status body as published bytes. */
  static statusBytes(body: NodeStatus): Uint8Array {
    return utf8(JSON.stringify(body));
  }
}
