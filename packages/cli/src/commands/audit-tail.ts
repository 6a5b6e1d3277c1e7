import { getHead, readEvents, type StoredAuditEvent } from '@fedplane/audit-store';
import { fromUtf8, parseJsonText, toBase64 } from '@fedplane/core';
import { optionalInteger, optionalString, type ParsedArgs } from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import {
  databaseUrl,
  failureText,
  openAuditPool,
  processAuditDeps,
  type AuditCommandDeps,
} from './audit-source.js';

/**
 * `fedplane audit tail [--type T] [--actor A] [--from SEQ] [--json]` (audit.md): prints audit
 * events as they are appended, by polling `audit_events` in seq order (DATABASE_URL), until
 * Ctrl-C. Text: one line per event; `--json`: one JSON object per event, then a final
 * `{"stopped":true,...}` summary line when it stops.
 */

/** Rows read per poll. */
const TAIL_PAGE = 1_000;
const DEFAULT_INTERVAL_MS = 500;

/** One event as `--json` prints it: the row's columns, the body as parsed JSON when it is. */
function tailJson(row: StoredAuditEvent): Record<string, unknown> {
  const text = fromUtf8(row.body);
  const json = text === undefined ? undefined : parseJsonText(text);
  return {
    seq: row.seq,
    event_id: row.event_id,
    type: row.type,
    actor: row.actor,
    subject: row.subject,
    at: row.at,
    attest_level: row.attest_level,
    stream_seq: row.stream_seq,
    recorded_at: row.recorded_at,
    ...(json?.ok === true ? { event: json.value } : { body_base64: toBase64(row.body) }),
  };
}

/** One event as a text line: seq, time, type, actor, subject, level, id. */
function tailLine(row: StoredAuditEvent): string {
  return [
    String(row.seq).padStart(8),
    row.at,
    row.type,
    row.actor,
    row.subject ?? '-',
    row.attest_level,
    row.event_id,
  ].join('  ');
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

async function tailCommand(
  deps: AuditCommandDeps,
  args: ParsedArgs,
  io: CliIo,
): Promise<CommandResult> {
  const url = databaseUrl(deps.env());
  if (url === undefined)
    throw new UsageError('audit tail reads the audit database: set DATABASE_URL');
  const from = optionalInteger(args, 'from');
  if (from !== undefined && from < 1) throw new UsageError('--from must be 1 or more');
  const intervalMs = optionalInteger(args, 'interval') ?? DEFAULT_INTERVAL_MS;
  if (intervalMs < 10 || intervalMs > 60_000)
    throw new UsageError('--interval must be 10..60000 ms');
  const type = optionalString(args, 'type');
  const actor = optionalString(args, 'actor');
  const controller = new AbortController();
  const release = deps.onInterrupt(() => controller.abort());
  const pool = openAuditPool(url);
  let printed = 0;
  let after = 0;
  let failure: string | undefined;
  try {
    after = from === undefined ? (await getHead(pool)).size : from - 1;
    while (!controller.signal.aborted) {
      const rows = await readEvents(pool, {
        afterSeq: after,
        limit: TAIL_PAGE,
        ...(type === undefined ? {} : { type }),
        ...(actor === undefined ? {} : { actor }),
      });
      for (const row of rows) {
        io.out(args.json ? JSON.stringify(tailJson(row)) : tailLine(row));
        printed += 1;
        after = row.seq;
      }
      if (rows.length < TAIL_PAGE) await pause(intervalMs, controller.signal);
    }
  } catch (err) {
    failure = failureText(err);
  } finally {
    release();
    await pool.end().catch(() => undefined);
  }
  if (failure !== undefined) {
    return {
      exitCode: ExitCode.NEGATIVE,
      json: { stopped: true, ok: false, error: 'UNAVAILABLE', message: failure, events: printed },
      text: `audit tail stopped: ${failure}`,
    };
  }
  return {
    exitCode: ExitCode.OK,
    json: { stopped: true, ok: true, events: printed, last_seq: after },
    text: '',
  };
}

/** The command, reading the environment and signals through `deps`. */
export function createAuditTailCommand(deps: AuditCommandDeps): Command {
  return {
    path: ['audit', 'tail'],
    synopsis: '[--type T] [--actor A] [--from SEQ] [--interval MS]',
    summary: 'Print audit events as they are appended, until Ctrl-C.',
    details: `Polls audit_events (DATABASE_URL) in seq order every --interval ms (default
${DEFAULT_INTERVAL_MS}). Starts after the current head, or at --from SEQ. --type and --actor
filter on the stored columns. Text: "seq at type actor subject attest_level event_id" per line.
--json: one JSON object per event (its columns and the parsed event body), and a final
{"stopped":true,"ok":true,"events":N,"last_seq":S} line when it stops.`,
    options: {
      type: { type: 'string' },
      actor: { type: 'string' },
      from: { type: 'string' },
      interval: { type: 'string' },
    },
    run: (args, io) => tailCommand(deps, args, io),
  };
}

/** `fedplane audit tail` on the real process (SIGINT/SIGTERM stop it). */
export const auditTail: Command = createAuditTailCommand(processAuditDeps);
