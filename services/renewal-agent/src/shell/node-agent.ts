import {
  AppError,
  ErrorCode,
  decodeCredentialFile,
  type AgentRenewReply,
  type AgentRenewRequest,
  type NodeStatus,
} from '@fedplane/core';
import type { CredentialSigner } from '@fedplane/messaging';
import { applyRefresh } from '../core/file-refresh.js';
import type { GaugeSource } from '../core/gauges.js';
import { reconcileStoredKeys } from '../core/key-plan.js';
import { statusChanged } from '../core/status-body.js';
import { AgentState, type AgentStateDeps } from './agent-state.js';
import type { AttemptOutcome } from './attempt-outcome.js';
import { fileAttempt } from './file-attempt.js';
import { issuerAttempt, type IssuerAttemptDeps } from './issuer-attempt.js';
import { RenewalMode } from './settings.js';
import { createWaker } from './waker.js';

/**
 * One node's renewal agent: restores the stored credential at start, then runs two loops — the
 * renewal loop (`issuer` mode: attest / renew when core `planAgentStep` says so, sleeping until
 * the planned time; `file` mode: re-read the files every interval) and the status loop (the signed
 * status every `statusIntervalMs` and on every change). `renewNow` serves
 * `fed.agent.<node>.renew`. Attempts never overlap.
 */

/** Dependencies of {@link createNodeAgent}. */
export type NodeAgentDeps = AgentStateDeps & IssuerAttemptDeps;

/** A running (or ready to run) agent. */
export type NodeAgent = {
  readonly nodeId: string;
  /** Signs as the node (its current key and credential). */
  readonly signer: CredentialSigner;
  /** Runs both loops until `signal` aborts. Never rejects. */
  run(signal: AbortSignal): Promise<void>;
  /** Renews (or attests, or re-reads) now; the reply, or `AppError` with the failure. */
  renewNow(request: AgentRenewRequest): Promise<AgentRenewReply>;
  /** The status body now, or null when nothing is held. */
  status(): NodeStatus | null;
  /** True while a credential inside its validity window is held. */
  valid(): boolean;
  /** The current public key. */
  publicKey(): Uint8Array;
  /** The held leaf and chain (`v1=` values), if any. */
  credential(): { readonly leaf: string; readonly chain?: string } | undefined;
  /** Inputs of the credential gauges. */
  gauge(): GaugeSource;
};

/** A failed write is retried this often (seconds) even when nothing else is due. */
const PERSIST_RETRY_S = 5;
/** A failed status publish is first retried after this long (ms), then backing off. */
const STATUS_RETRY_MS = 1_000;

function renewError(outcome: Extract<AttemptOutcome, { kind: 'failed' }>): AppError {
  const { failure } = outcome;
  return new AppError(failure.code, `renewal failed: ${failure.reason}`, {
    details: { reason: failure.reason, detail: failure.message.slice(0, 512) },
  });
}

/** Restores the stored credential (issuer mode): key reconciliation, then verification. */
async function restore(state: AgentState, deps: NodeAgentDeps): Promise<void> {
  const { log, nodeId } = deps;
  let files;
  try {
    files = await deps.store.read();
  } catch (err) {
    log.warn({ err, node_id: nodeId }, 'stored credential unreadable');
    return;
  }
  if (files.leaf.kind !== 'text') return;
  const decoded = decodeCredentialFile(files.leaf.text);
  if (!decoded.ok) {
    log.warn({ node_id: nodeId, reason: decoded.error.tag }, 'stored credential not usable');
    return;
  }
  const reconciled = reconcileStoredKeys({
    current: state.key.publicKey,
    next: state.staged?.publicKey ?? null,
    credentialKey: decoded.value.claims.subject_pubkey,
  });
  switch (reconciled.kind) {
    case 'promote_next':
      if (state.staged !== null) {
        await deps.keys.promoteNext();
        state.key = state.staged;
        state.staged = null;
        log.info({ node_id: nodeId }, 'staged node key promoted');
      }
      break;
    case 'credential_foreign':
      log.warn({ node_id: nodeId }, 'stored credential is for another key, ignored');
      return;
    case 'keep':
      break;
    default: {
      const never: never = reconciled;
      return never;
    }
  }
  const outcome = applyRefresh({
    held: null,
    leafFile: files.leaf,
    chainFile: files.chain,
    expectedAgentId: nodeId,
    expectedPublicKey: state.key.publicKey,
    bundle: deps.trust.current() ?? null,
    nowS: Math.floor(state.nowS()),
  });
  if (outcome.kind === 'reloaded') {
    state.held = {
      leaf: outcome.leaf,
      ...(outcome.chain === undefined ? {} : { chain: outcome.chain }),
      claims: outcome.claims,
      credentialId: outcome.credentialId,
      jitter: deps.random(),
    };
    state.lastRenewS = Math.floor(state.nowS());
    log.info(
      { node_id: nodeId, credential_id: outcome.credentialId, not_after: outcome.claims.not_after },
      'credential restored',
    );
  } else if (outcome.kind === 'failed') {
    log.warn({ node_id: nodeId, reason: outcome.error.tag }, 'stored credential not usable');
  }
}

/** Loads the key and (issuer mode) the stored credential, and returns the agent. */
export async function createNodeAgent(deps: NodeAgentDeps): Promise<NodeAgent> {
  const { settings, clock, log, nodeId } = deps;
  const stored = await deps.keys.load();
  const state = new AgentState(deps, stored.current);
  state.staged = stored.next;
  if (settings.mode === RenewalMode.issuer) await restore(state, deps);

  const renewal = createWaker();
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const attempt = (renewRequested: boolean, cause?: string): Promise<AttemptOutcome | null> =>
    exclusive(async () => {
      if (settings.mode === RenewalMode.file) return fileAttempt(state, deps.trust, cause);
      await state.persist();
      const step = state.plan(renewRequested);
      if (step.kind === 'wait') return null;
      return issuerAttempt(state, deps, step.kind, cause);
    });

  /** Seconds until the loop should look again. */
  const sleepS = (): number => {
    const now = state.nowS();
    let at = Number.POSITIVE_INFINITY;
    if (settings.mode === RenewalMode.file) at = now + settings.fileIntervalMs / 1000;
    else {
      const step = state.plan(false);
      at = step.kind === 'wait' ? step.atS : now;
    }
    const lifecycle = state.nextLifecycleAt();
    if (lifecycle !== undefined && lifecycle > now) at = Math.min(at, lifecycle);
    if (state.persistPending) at = Math.min(at, now + PERSIST_RETRY_S);
    return Math.max(0, at - now);
  };

  const runRenewal = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      try {
        await attempt(false);
        state.checkLifecycle();
      } catch (err) {
        log.error({ err, node_id: nodeId }, 'renewal step failed');
        await renewal.sleep(1_000, signal);
      }
      await renewal.sleep(sleepS() * 1000, signal);
    }
  };

  const statusWaker = createWaker();
  const runStatus = async (signal: AbortSignal): Promise<void> => {
    const interval = settings.statusIntervalMs;
    let last: NodeStatus | null = null;
    let lastAtMs = Number.NEGATIVE_INFINITY;
    let failures = 0;
    const remove = state.onStatusChange(() => statusWaker.wake());
    try {
      while (!signal.aborted) {
        const body = state.status();
        const now = clock.nowMs();
        let waitMs = interval;
        if (body !== null) {
          if (now - lastAtMs >= interval || statusChanged(last, body)) {
            try {
              await deps.publisher.status(state.signer, AgentState.statusBytes(body));
              if (failures > 0) log.info({ node_id: nodeId, failures }, 'status publish recovered');
              failures = 0;
              last = body;
              lastAtMs = now;
            } catch (err) {
              failures += 1;
              // Logged once per outage; retried sooner than the interval, backing off to it.
              if (failures === 1) log.warn({ err, node_id: nodeId }, 'status publish failed');
              const retryMs = Math.min(interval, STATUS_RETRY_MS * 2 ** Math.min(failures - 1, 20));
              lastAtMs = now - interval + retryMs;
            }
          }
          waitMs = Math.max(0, lastAtMs + interval - clock.nowMs());
        }
        await statusWaker.sleep(waitMs, signal);
      }
    } finally {
      remove();
    }
  };

  return {
    nodeId,
    signer: state.signer,
    run: async (signal) => {
      await Promise.all([runRenewal(signal), runStatus(signal)]);
    },
    renewNow: async (request) => {
      log.info(
        { node_id: nodeId, reason: request.reason, cause: request.cause },
        'renewal requested',
      );
      const outcome = await attempt(true, request.cause);
      renewal.wake();
      if (outcome?.kind === 'failed') throw renewError(outcome);
      const status = state.status();
      if (status === null) {
        throw new AppError(ErrorCode.UNAVAILABLE, 'no credential held', {
          details: { reason: 'no_credential' },
        });
      }
      return { renewed: outcome?.kind === 'swapped', status };
    },
    status: () => state.status(),
    valid: () => state.valid(),
    publicKey: () => state.key.publicKey,
    credential: () =>
      state.held === undefined
        ? undefined
        : {
            leaf: state.held.leaf,
            ...(state.held.chain === undefined ? {} : { chain: state.held.chain }),
          },
    gauge: () => state.gauge(),
  };
}
