import { durableName } from '@fedplane/core';
import { NatsRole, rolePermissions, type RolePermissions } from './permissions.js';

/**
 * The NATS users of one deployment and their rendering into a nats-server configuration
 * (`deploy/nats.conf`). Passwords are never in the configuration: each user's password is a
 * variable (`$FEDPLANE_NATS_PASSWORD_<KEY>`) defined in an included secrets file that
 * `fedplane bootstrap` writes (or in the server's environment), so the generated file can be
 * committed and the same file works in docker-compose and in tests.
 */

/** The NATS account every fedplane user lives in (JetStream enabled). */
export const NATS_ACCOUNT = 'FEDPLANE';
/** Default path of the passwords include, relative to the configuration file. */
export const DEFAULT_PASSWORDS_INCLUDE = 'secrets/nats-passwords.conf';

/** Several simulated nodes served by one renewal-agent process (`--simulate`). */
export type AgentGroup = {
  /** `[a-z0-9-]{1,24}`: names the user (`renewal-agent:group:<name>`) and its password file. */
  readonly name: string;
  readonly nodes: readonly string[];
};

/** The nodes of a deployment: each gets a renewal-agent and a sync-gateway user. */
export type NatsDeployment = {
  readonly nodes: readonly string[];
  /** Simulated agents sharing one connection (renewal-agent permissions for every node). */
  readonly agentGroups?: readonly AgentGroup[];
};

/** One NATS user. */
export type NatsUser = {
  /** The user name services pass as `NATS_USER`. */
  readonly user: string;
  readonly role: NatsRole;
  /** The nodes a node role acts for (empty for other roles). */
  readonly nodes: readonly string[];
  /** File-name-safe key: password file `<secrets>/nats/<key>`, variable suffix. */
  readonly key: string;
  /** Name of the configuration variable holding the password. */
  readonly passwordVar: string;
  readonly permissions: RolePermissions;
};

const GROUP_NAME = /^[a-z0-9-]{1,24}$/;
const SERVICE_ROLES: readonly NatsRole[] = [
  NatsRole.admin,
  NatsRole.issuer,
  NatsRole.reconciler,
  NatsRole.approvals,
  NatsRole.auditor,
];

/** The configuration variable of a user key: `FEDPLANE_NATS_PASSWORD_<KEY upper-cased, - → _>`. */
export function passwordVariable(key: string): string {
  return `FEDPLANE_NATS_PASSWORD_${key.toUpperCase().replace(/-/g, '_')}`;
}

function user(role: NatsRole, name: string, key: string, nodes: readonly string[]): NatsUser {
  return {
    user: name,
    role,
    nodes,
    key,
    passwordVar: passwordVariable(key),
    permissions: rolePermissions(role, nodes),
  };
}

/**
 * Every user of `deployment`: admin and the four service roles, then per node a renewal-agent
 * (`renewal-agent:<node>`) and a sync-gateway (`sync-gateway:<node>`) user, then one user per
 * agent group. Throws `RangeError` on a duplicate node or a bad group name, and
 * `AppError(BAD_REQUEST)` on an invalid node id.
 */
export function natsUsers(deployment: NatsDeployment): NatsUser[] {
  const seen = new Set<string>();
  const groups = deployment.agentGroups ?? [];
  for (const node of [...deployment.nodes, ...groups.flatMap((g) => g.nodes)]) {
    if (seen.has(node)) throw new RangeError(`node ${node} is listed twice`);
    seen.add(node);
  }
  const users = SERVICE_ROLES.map((role) => user(role, role, role, []));
  for (const node of deployment.nodes) {
    for (const role of [NatsRole.renewalAgent, NatsRole.syncGateway]) {
      users.push(user(role, `${role}:${node}`, durableName(role, node), [node]));
    }
  }
  for (const group of groups) {
    if (!GROUP_NAME.test(group.name)) {
      throw new RangeError(`agent group name must match ${GROUP_NAME.source}: ${group.name}`);
    }
    users.push(
      user(
        NatsRole.renewalAgent,
        `${NatsRole.renewalAgent}:group:${group.name}`,
        `${NatsRole.renewalAgent}-group-${group.name}`,
        group.nodes,
      ),
    );
  }
  return users;
}

const q = (text: string): string => JSON.stringify(text);

function list(items: readonly string[], indent: string): string {
  if (items.length === 0) return '[]';
  return `[\n${items.map((s) => `${indent}  ${q(s)}`).join('\n')}\n${indent}]`;
}

function renderUser(u: NatsUser): string {
  const p = u.permissions;
  const i = '          ';
  const deny = (d: readonly string[]): string =>
    d.length === 0 ? '' : `\n${i}  deny: ${list(d, `${i}  `)}`;
  const lines = [
    `      {`,
    `        # role ${u.role}${u.nodes.length > 0 ? ` for ${u.nodes.join(', ')}` : ''}`,
    `        user: ${q(u.user)}`,
    `        password: $${u.passwordVar}`,
    `        permissions: {`,
    `          publish: {\n${i}  allow: ${list(p.publish.allow, `${i}  `)}${deny(p.publish.deny)}\n${i}}`,
    `          subscribe: {\n${i}  allow: ${list(p.subscribe.allow, `${i}  `)}${deny(p.subscribe.deny)}\n${i}}`,
    ...(p.allowResponses ? [`          allow_responses: true`] : []),
    `        }`,
    `      }`,
  ];
  return lines.join('\n');
}

/** Options of {@link renderNatsConf}. */
export type NatsConfOptions = {
  /** Include with the password variables (default {@link DEFAULT_PASSWORDS_INCLUDE}). */
  readonly passwordsInclude?: string;
  /**
   * JetStream store directory. Default: none in the file, so the command line sets it (`-sd`;
   * nats-server refuses a store directory given both ways).
   */
  readonly storeDir?: string;
  /** First comment lines (how the file was generated). */
  readonly header?: readonly string[];
};

/**
 * The nats-server configuration: JetStream on (store directory from `-sd` unless given), one account with every user and its
 * permissions. Listen address, port, monitoring and server name are left to the command line.
 */
export function renderNatsConf(users: readonly NatsUser[], options: NatsConfOptions = {}): string {
  const header = (options.header ?? []).map((line) => `# ${line}`.trimEnd());
  return `${[
    ...header,
    `include ${q(options.passwordsInclude ?? DEFAULT_PASSWORDS_INCLUDE)}`,
    '',
    ...(options.storeDir === undefined
      ? ['jetstream: enabled']
      : ['jetstream {', `  store_dir: ${q(options.storeDir)}`, '}']),
    '',
    'accounts {',
    `  ${NATS_ACCOUNT}: {`,
    '    jetstream: enabled',
    '    users: [',
    users.map(renderUser).join('\n'),
    '    ]',
    '  }',
    '}',
  ].join('\n')}\n`;
}

/**
 * The passwords include: one `VAR: "password"` line per user. Passwords must be
 * `[A-Za-z0-9_-]{16,}` (what `fedplane bootstrap` generates); anything else throws `RangeError`.
 */
export function renderPasswordsInclude(
  users: readonly Pick<NatsUser, 'key' | 'passwordVar'>[],
  passwords: ReadonlyMap<string, string>,
): string {
  const lines = users.map((u) => {
    const pw = passwords.get(u.key);
    if (pw === undefined || !/^[A-Za-z0-9_-]{16,256}$/.test(pw)) {
      throw new RangeError(`no usable password for NATS user key ${u.key}`);
    }
    return `${u.passwordVar}: ${q(pw)}`;
  });
  return `# generated by fedplane bootstrap; secret\n${lines.join('\n')}\n`;
}

/** One entry of the users manifest (`deploy/nats-users.json`) that `fedplane bootstrap` reads. */
export type NatsUserManifestEntry = {
  readonly user: string;
  readonly role: NatsRole;
  readonly nodes: readonly string[];
  readonly key: string;
  readonly password_var: string;
};

/** The users manifest: who exists, without permissions (those are in the configuration). */
export function userManifest(users: readonly NatsUser[]): NatsUserManifestEntry[] {
  return users.map((u) => ({
    user: u.user,
    role: u.role,
    nodes: u.nodes,
    key: u.key,
    password_var: u.passwordVar,
  }));
}
