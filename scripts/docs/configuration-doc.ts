import { BaseEnvSchema, describeEnv, type EnvRow } from '@fedplane/runtime';
import type { z } from 'zod';
import { LauncherEnvSchema } from '../../packages/cli/src/plane/launcher-env.js';
import { ApprovalsEnvSchema } from '../../services/approvals/src/config.js';
import { AuditorEnvSchema } from '../../services/auditor/src/config.js';
import { IssuerEnvSchema } from '../../services/issuer/src/config.js';
import { ReconcilerEnvSchema } from '../../services/reconciler/src/config.js';
import { RenewalAgentEnvSchema } from '../../services/renewal-agent/src/config.js';
import { SyncGatewayEnvSchema } from '../../services/sync-gateway/src/config.js';
import { generatedBanner, markdownTable } from './markdown-table.js';

/** A service's environment schema, as its config.ts exports it. */
export type ConfigSource = { readonly service: string; readonly schema: z.ZodObject };

/** The schemas documented: the shared fragment, then each service's own variables. */
export const CONFIG_SOURCES: readonly ConfigSource[] = [
  { service: 'every service', schema: BaseEnvSchema },
  { service: 'approvals', schema: ApprovalsEnvSchema },
  { service: 'auditor', schema: AuditorEnvSchema },
  { service: 'issuer', schema: IssuerEnvSchema },
  { service: 'reconciler', schema: ReconcilerEnvSchema },
  { service: 'renewal-agent', schema: RenewalAgentEnvSchema },
  { service: 'sync-gateway', schema: SyncGatewayEnvSchema },
  { service: 'fedplane start (launcher)', schema: LauncherEnvSchema },
];

function rows(env: readonly EnvRow[]): string[][] {
  return env.map((row) => [
    `\`${row.name}\``,
    row.type,
    row.required ? 'yes' : 'no',
    row.default === undefined ? '' : `\`${row.default}\``,
    `${row.description}${row.secret ? ' (secret: never logged)' : ''}`,
  ]);
}

/** docs/configuration.md: every environment variable, generated from the zod schemas. */
export function renderConfigurationDoc(sources: readonly ConfigSource[] = CONFIG_SOURCES): string {
  const shared = new Set(describeEnv(BaseEnvSchema).map((r) => r.name));
  const sections = sources.map(({ service, schema }) => {
    const env = describeEnv(schema).filter(
      (r) => service === 'every service' || !shared.has(r.name),
    );
    return `## ${service}\n\n${markdownTable(['variable', 'type', 'required', 'default', 'meaning'], rows(env))}\n`;
  });
  return `${generatedBanner('pnpm docs:gen')}

# Configuration

Every service is configured only by environment variables, parsed once at start with zod; an
invalid configuration prints every problem and exits 1 before anything connects. Empty values
count as unset. Durations take \`500ms\`, \`10s\`, \`5m\`, \`2h\`, \`1d\`.

${sections.join('\n')}`;
}
