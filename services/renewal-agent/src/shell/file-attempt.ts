import { ErrorCode } from '@fedplane/core';
import { applyRefresh, type FileRead, type RefreshError } from '../core/file-refresh.js';
import type { AgentState } from './agent-state.js';
import type { AttemptOutcome } from './attempt-outcome.js';
import type { TrustView } from './ports.js';

/**
 * One re-read in `file` mode (reference §3.3): load both files, decide with core-of-agent
 * `applyRefresh`, swap in a reloaded credential (the files are the source, so nothing is
 * written). A failure keeps the held credential; its event is emitted once per distinct error,
 * not on every tick of a file that stays broken.
 */

function describe(error: RefreshError): string {
  const field = 'field' in error && error.field !== undefined ? `${error.field} file: ` : '';
  return error.tag === 'file_unreadable' ? `${field}${error.detail}` : `${field}${error.tag}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs one re-read and carries out the outcome on `state`. */
export async function fileAttempt(
  state: AgentState,
  trust: TrustView,
  cause?: string,
): Promise<AttemptOutcome> {
  let files: { readonly leaf: FileRead; readonly chain: FileRead };
  try {
    files = await state.deps.store.read();
  } catch (err) {
    const detail = errorText(err);
    files = { leaf: { kind: 'unreadable', detail }, chain: { kind: 'unreadable', detail } };
  }
  const held = state.held;
  const outcome = applyRefresh({
    held: held === undefined ? null : { leaf: held.leaf, chain: held.chain, claims: held.claims },
    leafFile: files.leaf,
    chainFile: files.chain,
    expectedAgentId: state.deps.nodeId,
    expectedPublicKey: state.key.publicKey,
    bundle: trust.current() ?? null,
    nowS: Math.floor(state.nowS()),
  });
  const options = cause === undefined ? {} : { cause };
  switch (outcome.kind) {
    case 'nothing_loaded':
      if (held === undefined) state.lastError = 'no_credential_file: nothing to load yet';
      state.deps.metrics.attempt('unchanged');
      return { kind: 'unchanged' };
    case 'unchanged':
      return state.unchanged();
    case 'reloaded':
      return state.swapIn(
        {
          leaf: outcome.leaf,
          ...(outcome.chain === undefined ? {} : { chain: outcome.chain }),
          claims: outcome.claims,
          credentialId: outcome.credentialId,
        },
        { rotated: false, persist: false, ...options },
      );
    case 'failed': {
      const reason = outcome.error.tag;
      const message = describe(outcome.error);
      const repeated = state.lastError === `${reason}: ${message}`;
      return state.fail(
        'reload',
        { code: ErrorCode.UNAVAILABLE, reason, message, result: 'rejected' },
        {
          emit: !repeated,
          retryAtMs: state.deps.clock.nowMs() + state.deps.settings.fileIntervalMs,
          ...options,
        },
      );
    }
    default: {
      const never: never = outcome;
      return never;
    }
  }
}
