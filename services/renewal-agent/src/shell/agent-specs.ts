import type { Log } from '@fedplane/messaging';
import { fileCredentialStore } from '../adapters/credential-files.js';
import { joinTokenSource } from '../adapters/join-token.js';
import { fileKeyStore } from '../adapters/key-files.js';
import type { NodeFilesConfig } from '../config.js';
import { memoryCredentialStore, memoryKeyStore } from './memory-stores.js';
import type { JoinTokenSource } from './ports.js';
import type { AgentSpec } from './start-renewal-agent.js';

/**
 * The agents a process runs: one real node with its key and credential files, or N simulated
 * nodes `<prefix>-<i>` (i = 0..N−1), each with its own in-memory key and identity and no files.
 */

/** The spec of a real node from its configuration. */
export function nodeAgentSpec(node: NodeFilesConfig, log: Log): AgentSpec {
  return {
    nodeId: node.nodeId,
    keys: fileKeyStore(node.keyPath, log),
    store: fileCredentialStore({ credPath: node.credPath, chainPath: node.chainPath }),
    joinToken: joinTokenSource(node.joinToken),
  };
}

/** The id of simulated node `index`. */
export function simulatedNodeId(prefix: string, index: number): string {
  return `${prefix}-${String(index)}`;
}

/** `count` simulated nodes; `tokens` gives each node's join token source. */
export function simulatedAgentSpecs(
  prefix: string,
  count: number,
  tokens: (nodeId: string) => JoinTokenSource,
): AgentSpec[] {
  return Array.from({ length: count }, (_, index) => {
    const nodeId = simulatedNodeId(prefix, index);
    return {
      nodeId,
      keys: memoryKeyStore(),
      store: memoryCredentialStore(),
      joinToken: tokens(nodeId),
    };
  });
}
