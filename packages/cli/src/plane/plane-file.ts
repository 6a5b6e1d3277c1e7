import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { planeHome, type HomeEnv } from './plane-home.js';

/**
 * `.fedplane/plane.json`: the connection details `fedplane start` writes once the plane is up, so
 * every other `fedplane` command finds the running plane when `NATS_URL` is unset. Written
 * atomically, mode 0600 (the database URL carries the local password).
 */

const ServiceEntrySchema = z.object({
  name: z.string(),
  node: z.string().optional(),
  pid: z.int().optional(),
  health_url: z.string().optional(),
  http_url: z.string().optional(),
  log_file: z.string(),
});

const NodeEntrySchema = z.object({
  id: z.string(),
  key_path: z.string(),
  cred_path: z.string(),
  sync_url: z.string().optional(),
});

/** The plane file's schema (unknown keys are kept out). */
export const PlaneFileSchema = z.object({
  version: z.literal(1),
  pid: z.int(),
  started_at: z.string(),
  home: z.string(),
  nats_url: z.string(),
  nats_managed: z.boolean(),
  database_url: z.string(),
  database_managed: z.boolean(),
  trust_domain: z.string(),
  services: z.array(ServiceEntrySchema),
  nodes: z.array(NodeEntrySchema),
  approvals: z
    .object({ url: z.string(), api_key_file: z.string(), hmac_secret_file: z.string() })
    .optional(),
});
/** The content of `plane.json`. */
export type PlaneFile = z.infer<typeof PlaneFileSchema>;
/** One service process in `plane.json`. */
export type PlaneServiceEntry = z.infer<typeof ServiceEntrySchema>;
/** One demo node in `plane.json`. */
export type PlaneNodeEntry = z.infer<typeof NodeEntrySchema>;

/** Writes `plane.json` atomically (temporary file + rename), mode 0600. */
export function writePlaneFile(path: string, plane: PlaneFile): void {
  const temp = `${path}.${String(process.pid)}.tmp`;
  writeFileSync(temp, `${JSON.stringify(plane, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}

/** Reads `plane.json`; undefined when it is absent or does not parse. Never throws. */
export function readPlaneFile(path: string): PlaneFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = PlaneFileSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The environment a `fedplane` command runs with: `env` itself when `NATS_URL` is set, else `env`
 * plus `NATS_URL` from the plane file of `FEDPLANE_HOME` (default `./.fedplane`) when there is one.
 */
export function withPlaneEnv(env: HomeEnv, cwd: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  if (env['NATS_URL'] !== undefined && env['NATS_URL'] !== '') return out;
  const plane = readPlaneFile(planeHome(env, cwd).planeFile);
  if (plane !== undefined) out['NATS_URL'] = plane.nats_url;
  return out;
}
