import type { EventEnvelope, MessageAttestation } from '@fedplane/core';
import { Ansi } from './log-format.js';

/**
 * One event as `fedplane events tail` prints it. Text: time, type (colored by area on a
 * terminal), actor → subject, the signature verdict when it is not a valid signature, and the
 * `data` fields. JSON: `{seq, subject, attest_level, reason?, event}`. Pure.
 */

const AREA_COLORS: Readonly<Record<string, string>> = {
  credential: Ansi.green,
  node: Ansi.cyan,
  issuer: Ansi.magenta,
  reconcile: Ansi.blue,
  enforcement: Ansi.yellow,
  approval: Ansi.magenta,
  audit: Ansi.gray,
  sync: Ansi.cyan,
};

const MAX_DATA_CHARS = 240;

/** What one received event carries. */
export type TailedEvent = {
  readonly seq: number;
  readonly subject: string;
  readonly event: EventEnvelope | undefined;
  readonly attestation: MessageAttestation | undefined;
  /** The body when it is not an event envelope. */
  readonly raw?: string;
};

function verdict(attestation: MessageAttestation | undefined): { level: string; reason?: string } {
  if (attestation === undefined) return { level: 'unverified' };
  return attestation.attest_level === 'invalid_signature'
    ? { level: attestation.attest_level, reason: attestation.reason }
    : { level: attestation.attest_level };
}

/** The `--json` line object. */
export function eventJson(tailed: TailedEvent): Record<string, unknown> {
  const v = verdict(tailed.attestation);
  return {
    seq: tailed.seq,
    subject: tailed.subject,
    attest_level: v.level,
    ...(v.reason === undefined ? {} : { reason: v.reason }),
    ...(tailed.event === undefined ? { body: tailed.raw ?? '' } : { event: tailed.event }),
  };
}

function paint(text: string, code: string, color: boolean): string {
  return color ? `${code}${text}${Ansi.reset}` : text;
}

/** The text line. */
export function eventText(tailed: TailedEvent, color: boolean): string {
  const v = verdict(tailed.attestation);
  const trust =
    v.level === 'credential_signed' || v.level === 'issuer_signed'
      ? ''
      : `  ${paint(`[${v.level}${v.reason === undefined ? '' : `: ${v.reason}`}]`, Ansi.red, color)}`;
  const e = tailed.event;
  if (e === undefined) {
    return `${String(tailed.seq).padStart(7)}  ${paint(tailed.subject, Ansi.red, color)}  not an event envelope${trust}`;
  }
  const area = e.type.split('.')[0] ?? '';
  const type = paint(e.type.padEnd(28), AREA_COLORS[area] ?? Ansi.reset, color);
  const who = e.subject === undefined ? e.actor : `${e.actor} → ${e.subject}`;
  const data = JSON.stringify(e.data);
  const shown = data.length > MAX_DATA_CHARS ? `${data.slice(0, MAX_DATA_CHARS)}…` : data;
  return `${String(tailed.seq).padStart(7)}  ${paint(e.at.slice(11, 23), Ansi.gray, color)}  ${type} ${who}${trust}  ${paint(shown, Ansi.dim, color)}`;
}
