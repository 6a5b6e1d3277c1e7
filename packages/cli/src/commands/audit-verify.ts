import { latestCheckpoint, verifyStoredChain, type VerifyProgress } from '@fedplane/audit-store';
import {
  AuditVerifyReplySchema,
  AppError,
  BundleReplySchema,
  toVerifierBundle,
  type AuditCheckpoint,
  type ChainCheckpointRef,
  type ChainVerificationReport,
  type VerifierBundle,
} from '@fedplane/core';
import { FixedSubject, request } from '@fedplane/messaging';
import { optionalInteger, optionalString, type ParsedArgs } from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import { readBundleFile, readCheckpointFile, type CheckpointTrust } from './audit-checkpoint.js';
import {
  connectAuditNats,
  databaseUrl,
  failureText,
  openAuditPool,
  processAuditDeps,
  type AuditCommandDeps,
} from './audit-source.js';

/**
 * `fedplane audit verify [--from SEQ] [--checkpoint FILE | --latest] [--bundle FILE] [--json]`
 * (audit.md, Verification). With `DATABASE_URL` it walks the chain itself (core's streaming
 * verifier, page by page, progress on stderr); without, it asks `fed.audit.verify` over
 * `NATS_URL`. Prints `{rows_checked, first_break, signature_failures, checkpoint}`; exit 0 only
 * when there is no break, no bad signature and no checkpoint mismatch.
 */

/** How long a verification over NATS may take (a long chain walks for a while). */
const VERIFY_REQUEST_TIMEOUT_MS = 300_000;
const PROGRESS_EVERY_MS = 1_000;
const BUNDLE_REQUEST_TIMEOUT_MS = 2_000;

type Outcome = {
  readonly report: ChainVerificationReport;
  readonly source: 'database' | 'nats';
  readonly checkpointSize: number | null;
  readonly checkpointTrust: CheckpointTrust | 'stored' | 'service' | null;
};

function holds(report: ChainVerificationReport): boolean {
  return (
    report.first_break === null &&
    report.signature_failures.length === 0 &&
    report.checkpoint !== 'mismatch'
  );
}

function reportText(outcome: Outcome): string {
  const { report } = outcome;
  const lines = [
    `rows checked        ${report.rows_checked}`,
    `first break         ${report.first_break === null ? 'none' : `seq ${report.first_break}`}`,
    `signature failures  ${report.signature_failures.length === 0 ? 'none' : report.signature_failures.slice(0, 20).join(', ') + (report.signature_failures.length > 20 ? ', …' : '')}`,
    `checkpoint          ${report.checkpoint}${outcome.checkpointSize === null ? '' : ` (size ${outcome.checkpointSize}${outcome.checkpointTrust === null ? '' : `, ${outcome.checkpointTrust}`})`}`,
  ];
  const verdict = holds(report)
    ? 'audit chain verifies'
    : `audit chain does NOT verify${report.first_break === null ? '' : `: broken at seq ${report.first_break}`}`;
  return [verdict, ...lines].join('\n');
}

function progressReporter(io: CliIo, enabled: boolean): (p: VerifyProgress) => void {
  let lastMs = 0;
  return (p) => {
    if (!enabled) return;
    const now = Date.now();
    if (now - lastMs < PROGRESS_EVERY_MS && p.last_seq < p.end_seq) return;
    lastMs = now;
    io.err(`verified ${p.rows_checked} rows (seq ${p.last_seq} of ${p.end_seq})`);
  };
}

async function viaDatabase(
  url: string,
  args: ParsedArgs,
  io: CliIo,
  chosen: {
    readonly file: AuditCheckpoint | null;
    readonly trust: CheckpointTrust | null;
    readonly bundle: VerifierBundle | undefined;
  },
): Promise<Outcome> {
  const pool = openAuditPool(url);
  try {
    let checkpoint: ChainCheckpointRef | null = chosen.file;
    let trust: Outcome['checkpointTrust'] = chosen.trust;
    if (checkpoint === null && args.values['latest'] === true) {
      const stored = await latestCheckpoint(pool);
      checkpoint = stored === null ? null : { size: stored.size, head: stored.head };
      trust = stored === null ? null : 'stored';
    }
    const from = optionalInteger(args, 'from');
    const result = await verifyStoredChain(pool, {
      ...(from === undefined ? {} : { fromSeq: from }),
      checkpoint,
      issuerKeys: chosen.bundle?.keys ?? new Map(),
      onProgress: progressReporter(io, !args.json),
    });
    if (!result.ok) {
      throw new UsageError(
        `--from ${result.error.from_seq}: no row ${result.error.from_seq - 1} to start after`,
      );
    }
    return {
      report: result.report,
      source: 'database',
      checkpointSize: checkpoint === null ? null : Number(checkpoint.size),
      checkpointTrust: checkpoint === null ? null : trust,
    };
  } finally {
    await pool.end();
  }
}

async function viaNats(
  deps: AuditCommandDeps,
  args: ParsedArgs,
  chosen: { readonly file: AuditCheckpoint | null; readonly trust: CheckpointTrust | null },
  io: CliIo,
): Promise<Outcome> {
  const nc = await connectAuditNats(deps.env());
  try {
    // One request; the auditor walks the whole chain, so say what is happening (stderr).
    if (!args.json) io.err('asking the auditor to verify the chain (fed.audit.verify)…');
    const from = optionalInteger(args, 'from');
    const body = {
      ...(from === undefined ? {} : { from }),
      ...(chosen.file === null ? {} : { checkpoint: chosen.file }),
    };
    const report = await request(nc, FixedSubject.auditVerify, body, {
      schema: AuditVerifyReplySchema,
      timeoutMs: VERIFY_REQUEST_TIMEOUT_MS,
    });
    return {
      report,
      source: 'nats',
      checkpointSize: chosen.file?.size ?? null,
      checkpointTrust:
        chosen.file === null ? (report.checkpoint === 'none' ? null : 'service') : chosen.trust,
    };
  } finally {
    await nc.close();
  }
}

/**
 * Without `--bundle`: when `NATS_URL` is set, the issuer's current bundle from
 * `fed.issuer.bundle` (best effort; a warning on stderr when it cannot be had), else none.
 */
async function liveBundle(deps: AuditCommandDeps, io: CliIo): Promise<VerifierBundle | undefined> {
  const env = deps.env();
  if (env['NATS_URL'] === undefined || env['NATS_URL'] === '') return undefined;
  try {
    const nc = await connectAuditNats(env);
    try {
      const bundle = await request(
        nc,
        FixedSubject.issuerBundle,
        {},
        {
          schema: BundleReplySchema,
          timeoutMs: BUNDLE_REQUEST_TIMEOUT_MS,
        },
      );
      return toVerifierBundle(bundle);
    } finally {
      await nc.close();
    }
  } catch (err) {
    io.err(
      `fedplane: no trust bundle from fed.issuer.bundle (${failureText(err)}); issuer-signed rows cannot be checked`,
    );
    return undefined;
  }
}

async function verifyCommand(
  deps: AuditCommandDeps,
  args: ParsedArgs,
  io: CliIo,
): Promise<CommandResult> {
  const from = optionalInteger(args, 'from');
  if (from !== undefined && from < 1) throw new UsageError('--from must be 1 or more');
  const file = optionalString(args, 'checkpoint');
  if (file !== undefined && args.values['latest'] === true) {
    throw new UsageError('give --checkpoint FILE or --latest, not both');
  }
  const env = deps.env();
  const url = databaseUrl(env);
  const bundlePath = optionalString(args, 'bundle');
  // Issuer keys are needed to walk the database, and to check a checkpoint file's credential.
  const wantsBundle = url !== undefined || file !== undefined;
  let bundle: VerifierBundle | undefined;
  if (bundlePath !== undefined) bundle = readBundleFile(io, bundlePath);
  else if (wantsBundle) bundle = await liveBundle(deps, io);
  let chosen: { file: AuditCheckpoint | null; trust: CheckpointTrust | null } = {
    file: null,
    trust: null,
  };
  if (file !== undefined) {
    const read = readCheckpointFile(io, file, bundle);
    if (!read.ok) {
      return {
        exitCode: ExitCode.NEGATIVE,
        json: {
          ok: false,
          error: read.error,
          ...(read.reason === undefined ? {} : { reason: read.reason }),
        },
        text: `checkpoint file ${JSON.stringify(file)} refused: ${read.error}${read.reason === undefined ? '' : ` (${read.reason})`}`,
      };
    }
    chosen = { file: read.checkpoint, trust: read.trust };
  }
  let outcome: Outcome;
  try {
    outcome =
      url === undefined
        ? await viaNats(deps, args, chosen, io)
        : await viaDatabase(url, args, io, { ...chosen, bundle });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = err instanceof AppError ? String(err.code) : 'UNAVAILABLE';
    const message = failureText(err);
    return {
      exitCode: ExitCode.NEGATIVE,
      json: { ok: false, error: code, message },
      text: `audit chain not verified: ${code}: ${message}`,
    };
  }
  const ok = holds(outcome.report);
  return {
    exitCode: ok ? ExitCode.OK : ExitCode.NEGATIVE,
    json: {
      ok,
      ...outcome.report,
      source: outcome.source,
      checkpoint_size: outcome.checkpointSize,
    },
    text: reportText(outcome),
  };
}

/** The command, reading the environment and signals through `deps`. */
export function createAuditVerifyCommand(deps: AuditCommandDeps): Command {
  return {
    path: ['audit', 'verify'],
    synopsis: '[--from SEQ] [--checkpoint FILE | --latest] [--bundle FILE]',
    summary: 'Verify the audit hash chain (every link, every signature, a checkpoint).',
    details: `With DATABASE_URL set, walks audit_events directly in pages (bounded memory; progress
on stderr unless --json); otherwise asks the auditor service (fed.audit.verify) over NATS_URL
(default ${'nats://127.0.0.1:4222'}).
Recomputes every entry_hash, checks seq continuity and prev_hash links, re-verifies every
stored signature, and compares a checkpoint's head with the recomputed hash at its size.
  --from SEQ         start at SEQ (linked to the stored hash of SEQ-1)
  --checkpoint FILE  a checkpoint you hold: the signed envelope (nats kv get fed-audit
                     checkpoint, fed.audit.head) or bare {log,size,head,at}
  --latest           check the newest checkpoint kept in the database (over NATS the
                     service checks its latest checkpoint whenever none is given)
  --bundle FILE      fed-trust bundle: issuer keys for issuer-signed rows, and the full
                     credential check of a checkpoint file's signature (default: the
                     issuer's live bundle over NATS when NATS_URL is set)
Prints {ok, rows_checked, first_break, signature_failures, checkpoint}; exit 0 only when
there is no break, no bad signature and no checkpoint mismatch; 1 otherwise.`,
    options: {
      from: { type: 'string' },
      checkpoint: { type: 'string' },
      latest: { type: 'boolean', default: false },
      bundle: { type: 'string' },
    },
    run: (args, io) => verifyCommand(deps, args, io),
  };
}

/** `fedplane audit verify` on the real process environment. */
export const auditVerify: Command = createAuditVerifyCommand(processAuditDeps);
