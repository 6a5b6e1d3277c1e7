import { AppError, ErrorCode, signEd25519 } from '@fedplane/core';
import type { CredentialSigner, Log } from '@fedplane/messaging';
import {
  readNodeIdentity,
  type NodeIdentityFiles,
  type NodeIdentityPaths,
} from '../adapters/node-identity-files.js';

/**
 * The node's signer, kept fresh from the files the renewal-agent writes: re-read every
 * `pollMs`; a missing, garbled or mismatched file never drops the identity already held (a held
 * credential stays until it expires, design principle 3). Every message the gateway signs takes
 * the current credential at signing time.
 */

/** Options of {@link watchNodeSigner}. */
export type NodeSignerOptions = {
  readonly nodeId: string;
  readonly paths: NodeIdentityPaths;
  readonly pollMs: number;
  readonly log: Log;
};

/** A watched node signer. */
export type NodeSigner = {
  readonly signer: CredentialSigner;
  /** True once an identity for the node is held. */
  held(): boolean;
  /** Resolves when the first identity is held. */
  readonly ready: Promise<void>;
  /** Re-reads the files now. */
  refresh(): Promise<void>;
  stop(): void;
};

/** Starts watching the node identity files. */
export function watchNodeSigner(options: NodeSignerOptions): NodeSigner {
  const { nodeId, paths, log } = options;
  let current: NodeIdentityFiles | undefined;
  let lastProblem: string | undefined;
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });

  const refresh = async (): Promise<void> => {
    let problem: string | undefined;
    try {
      const read = await readNodeIdentity(paths);
      if (!read.ok) problem = read.problem;
      else if (read.identity.subject !== nodeId) problem = 'credential_subject_mismatch';
      else {
        if (
          current?.credential !== read.identity.credential ||
          current.chain !== read.identity.chain
        ) {
          log.info({ not_after: read.identity.notAfter }, 'node credential loaded');
        }
        current = read.identity;
        resolveReady();
      }
    } catch (err) {
      problem = 'identity_files_unreadable';
      if (lastProblem !== problem) log.warn({ err }, 'node identity files unreadable');
    }
    if (problem !== undefined && problem !== lastProblem) {
      log.warn({ problem, held: current !== undefined }, 'node identity not refreshed');
    }
    lastProblem = problem;
  };

  const timer = setInterval(() => void refresh(), options.pollMs);
  // Unref'd once an identity is held (the gateway's own handles keep it alive then); until
  // then this timer is what keeps a gateway started before its renewal-agent waiting for the
  // files instead of exiting with an unsettled top-level await.
  void ready.then(() => timer.unref());
  void refresh();

  const held = (): NodeIdentityFiles => {
    if (current === undefined) {
      throw new AppError(ErrorCode.UNAVAILABLE, 'node credential not held yet');
    }
    return current;
  };
  return {
    signer: {
      agentId: nodeId,
      sign: (bytes) => signEd25519(held().seed, bytes),
      credential: () => held().credential,
      chain: () => held().chain,
    },
    held: () => current !== undefined,
    ready,
    refresh,
    stop: () => clearInterval(timer),
  };
}
