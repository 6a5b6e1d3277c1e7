import { fromUtf8, type VerifierBundle } from '@fedplane/core';
import {
  SILENT_LOG,
  StreamName,
  SubjectFilter,
  connectBus,
  eventAreaFilter,
  isEventTypeName,
  parseEventSubject,
  verifyEventMessage,
  type Bus,
} from '@fedplane/messaging';
import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { optionalString, type ParsedArgs } from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { eventJson, eventText, type TailedEvent } from '../plane/event-line.js';
import { withPlaneEnv } from '../plane/plane-file.js';
import { readTrustBundle } from '../plane/status-gather.js';
import { UsageError } from '../usage-error.js';
import { natsAuth, natsServers } from '../nats-connection.js';

/**
 * `fedplane events tail [--type T] [--all] [--json]`: prints the events of `FED_EVENTS` as they
 * arrive (an ordered consumer, so nothing is created that outlives the command), each with its
 * signature checked against the trust bundle. Until Ctrl-C.
 */

/** What the command needs from the process. */
export type EventsTailDeps = {
  readonly env: () => Readonly<Record<string, string | undefined>>;
  readonly cwd: () => string;
  readonly color: () => boolean;
  readonly onInterrupt: (stop: () => void) => () => void;
};

function tailed(msg: JsMsg, bundle: VerifierBundle | undefined): TailedEvent {
  const nowS = Math.floor(Date.now() / 1000);
  if (bundle === undefined) {
    const text = fromUtf8(msg.data) ?? '';
    let event: TailedEvent['event'];
    try {
      event = JSON.parse(text) as TailedEvent['event'];
    } catch {
      event = undefined;
    }
    return { seq: msg.seq, subject: msg.subject, event, attestation: undefined, raw: text };
  }
  const checked = verifyEventMessage({ headers: msg.headers, body: msg.data, bundle, nowS });
  return {
    seq: msg.seq,
    subject: msg.subject,
    event: checked.event.ok ? checked.event.value : undefined,
    attestation: checked.attestation,
    ...(checked.event.ok ? {} : { raw: fromUtf8(msg.data) ?? '' }),
  };
}

async function tail(
  deps: EventsTailDeps,
  input: { bus: Bus; args: ParsedArgs; io: CliIo; type: string | undefined },
): Promise<number> {
  const { bus, args, io, type } = input;
  const filter =
    type === undefined ? SubjectFilter.events : eventAreaFilter(type.split('.')[0] ?? '');
  let bundle = await readTrustBundle(bus);
  const consumer = await bus.js.consumers.get(StreamName.events, {
    filter_subjects: filter,
    deliver_policy: args.values['all'] === true ? DeliverPolicy.All : DeliverPolicy.New,
  });
  const messages = await consumer.consume();
  const release = deps.onInterrupt(() => void messages.close());
  let printed = 0;
  try {
    for await (const msg of messages) {
      const parsed = parseEventSubject(msg.subject);
      if (type !== undefined && (!parsed.ok || parsed.value.type !== type)) continue;
      bundle ??= await readTrustBundle(bus);
      const one = tailed(msg, bundle);
      io.out(args.json ? JSON.stringify(eventJson(one)) : eventText(one, deps.color()));
      printed += 1;
    }
  } finally {
    release();
    await consumer.delete().catch(() => undefined);
  }
  return printed;
}

async function run(deps: EventsTailDeps, args: ParsedArgs, io: CliIo): Promise<CommandResult> {
  if (args.positionals.length > 0) throw new UsageError('events tail takes no arguments');
  const type = optionalString(args, 'type');
  if (type !== undefined && !isEventTypeName(type)) {
    throw new UsageError(`--type must be an event type <area>.<name>, got ${JSON.stringify(type)}`);
  }
  const env = withPlaneEnv(deps.env(), deps.cwd());
  let bus: Bus | undefined;
  try {
    bus = await connectBus({
      servers: natsServers(env),
      auth: natsAuth(env),
      name: 'fedplane-cli',
      log: SILENT_LOG,
      connection: { timeout: 5_000, reconnect: false },
    });
    const printed = await tail(deps, { bus, args, io, type });
    return { exitCode: ExitCode.OK, json: { stopped: true, ok: true, events: printed }, text: '' };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      exitCode: ExitCode.NEGATIVE,
      json: { stopped: true, ok: false, error: 'UNAVAILABLE', message },
      text: `events tail stopped: ${message}`,
    };
  } finally {
    await bus?.close().catch(() => undefined);
  }
}

/** The command over `deps`. */
export function createEventsTailCommand(deps: EventsTailDeps): Command {
  return {
    path: ['events', 'tail'],
    synopsis: '[--type T] [--all]',
    summary: 'Print domain events (fed.evt.>) as they arrive, signatures checked, until Ctrl-C.',
    details: `Reads stream FED_EVENTS over NATS_URL (else the plane .fedplane/plane.json describes)
with an ordered consumer (nothing durable is created). Each event's signature and credential
are checked against the trust bundle (fed-trust); anything but a valid signature is flagged.
  --type T   only events of type T (<area>.<name>, e.g. credential.renewed)
  --all      start at the oldest event kept instead of the next new one
Text (colored on a terminal): "seq time type actor → subject data". --json: one line per event
{"seq","subject","attest_level","reason"?,"event"}, then {"stopped":true,"ok":true,"events":N}.
Exit 0 when stopped by Ctrl-C; 1 when the bus cannot be reached; 2 usage.`,
    options: { type: { type: 'string' }, all: { type: 'boolean', default: false } },
    run: (args, io) => run(deps, args, io),
  };
}

/** `fedplane events tail` on the real process. */
export const eventsTailCommand: Command = createEventsTailCommand({
  env: () => process.env,
  cwd: () => process.cwd(),
  color: () => process.stdout.isTTY && process.env['NO_COLOR'] === undefined,
  onInterrupt: (stop) => {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
  },
});
