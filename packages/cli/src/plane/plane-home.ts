import { isAbsolute, join, resolve } from 'node:path';

/**
 * Where `fedplane start` keeps its state: `FEDPLANE_HOME` when set, else `.fedplane` under the
 * working directory. Everything the local plane owns lives below it, so a second start reuses it
 * and deleting it resets the plane.
 */

/** The environment the home lookup reads. */
export type HomeEnv = Readonly<Record<string, string | undefined>>;

/** Every path of the local plane. */
export type PlaneHome = {
  readonly root: string;
  readonly planeFile: string;
  readonly pidsFile: string;
  readonly natsDir: string;
  readonly pgDir: string;
  readonly logsDir: string;
  readonly issuerKeyDir: string;
  readonly secretsDir: string;
  readonly serviceSecretsFile: string;
  readonly nodesDir: string;
  readonly inventoryFile: string;
};

/** The directory name used when `FEDPLANE_HOME` is unset. */
export const DEFAULT_HOME_DIR = '.fedplane';

/** Resolves the plane home from `env` and the working directory `cwd`. */
export function planeHome(env: HomeEnv, cwd: string): PlaneHome {
  const configured = env['FEDPLANE_HOME'];
  const root =
    configured !== undefined && configured !== ''
      ? isAbsolute(configured)
        ? configured
        : resolve(cwd, configured)
      : join(cwd, DEFAULT_HOME_DIR);
  return {
    root,
    planeFile: join(root, 'plane.json'),
    pidsFile: join(root, 'pids.json'),
    natsDir: join(root, 'nats'),
    pgDir: join(root, 'pg'),
    logsDir: join(root, 'logs'),
    issuerKeyDir: join(root, 'issuer-keys'),
    secretsDir: join(root, 'secrets'),
    serviceSecretsFile: join(root, 'secrets', 'service-secrets.json'),
    nodesDir: join(root, 'nodes'),
    inventoryFile: join(root, 'inventory.yaml'),
  };
}

/** The files of one demo node (its key, credential and join token). */
export type NodeFiles = {
  readonly dir: string;
  readonly keyPath: string;
  readonly credPath: string;
  readonly chainPath: string;
  readonly joinTokenPath: string;
};

/** The directory name of a node id (one path segment: `/` becomes `_`). */
export function nodeDirName(nodeId: string): string {
  return nodeId.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** Where the files of demo node `nodeId` live. */
export function nodeFiles(home: PlaneHome, nodeId: string): NodeFiles {
  const dir = join(home.nodesDir, nodeDirName(nodeId));
  return {
    dir,
    keyPath: join(dir, 'keys', 'node.key'),
    credPath: join(dir, 'cred'),
    chainPath: join(dir, 'cred.chain'),
    joinTokenPath: join(dir, 'join-token'),
  };
}
