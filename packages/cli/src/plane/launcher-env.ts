import {
  LOG_LEVELS,
  envEnum,
  envString,
  envUrl,
  loadConfig,
  type ConfigResult,
} from '@fedplane/runtime';
import { z } from 'zod';

/**
 * The environment of `fedplane start` (all optional: it needs no configuration). Parsed once with
 * zod; an invalid value is reported with every problem before anything starts.
 */
export const LauncherEnvSchema = z.object({
  FEDPLANE_HOME: envString({
    description:
      'Directory of the local plane (NATS store, embedded Postgres, secrets, logs, plane.json); every fedplane command reads plane.json there',
    default: '.fedplane',
  }),
  NATS_URL: envString({
    description:
      'Use this NATS (with JetStream) instead of spawning nats-server; fedplane commands fall back to plane.json when unset',
  }).optional(),
  NATS_BIN: envString({
    description:
      'The nats-server binary to spawn (default: nats-server on the PATH, then /usr/sbin/nats-server)',
  }).optional(),
  DATABASE_URL: envUrl({
    description: 'Use this Postgres instead of the embedded one in <FEDPLANE_HOME>/pg',
    schemes: ['postgres', 'postgresql'],
    secret: true,
  }).optional(),
  FEDPLANE_LOG_LEVEL: envEnum(LOG_LEVELS, {
    description: 'LOG_LEVEL given to every service the launcher starts',
    default: 'info',
  }),
});

/** The parsed launcher environment. */
export type LauncherEnv = z.output<typeof LauncherEnvSchema>;

/** Parses the launcher's environment (every problem listed on failure; never throws). */
export function loadLauncherEnv(
  env: Readonly<Record<string, string | undefined>>,
): ConfigResult<LauncherEnv> {
  return loadConfig(LauncherEnvSchema, env);
}
