import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Prometheus metrics of the credential holder: when the held credential expires, whether it is
 * valid, and every attest/renew attempt by result.
 */

/** What the gauges read at scrape time. */
export type CredentialGaugeSource = () => {
  /** Unix seconds, or undefined when nothing is held. */
  readonly notAfter: number | undefined;
  readonly valid: boolean;
};

/** Kinds of issuer call. */
export type AttemptKind = 'attest' | 'renew';
/** Outcome of one attempt: swapped in, identical (kept), refused by us, or failed at the issuer. */
export type AttemptResult = 'ok' | 'unchanged' | 'rejected' | 'error';

/** The recorder the holder calls. */
export type CredentialMetrics = {
  attempt(kind: AttemptKind, result: AttemptResult): void;
};

/** A recorder that records nothing (holder without a registry). */
export const noCredentialMetrics: CredentialMetrics = { attempt: () => undefined };

/**
 * Registers on `registry`: `fedplane_credential_not_after_seconds` (gauge, absent while nothing
 * is held), `fedplane_credential_valid` (gauge 0/1) and
 * `fedplane_credential_attempts_total{kind,result}` (counter).
 */
export function createCredentialMetrics(
  registry: Registry,
  source: CredentialGaugeSource,
): CredentialMetrics {
  new Gauge({
    name: 'fedplane_credential_not_after_seconds',
    help: 'not_after (Unix seconds) of the credential this process holds',
    registers: [registry],
    collect() {
      const { notAfter } = source();
      this.reset();
      if (notAfter !== undefined) this.set(notAfter);
    },
  });
  new Gauge({
    name: 'fedplane_credential_valid',
    help: '1 while this process holds an unexpired credential',
    registers: [registry],
    collect() {
      this.set(source().valid ? 1 : 0);
    },
  });
  const attempts = new Counter({
    name: 'fedplane_credential_attempts_total',
    help: 'Issuer attest/renew attempts by result',
    labelNames: ['kind', 'result'] as const,
    registers: [registry],
  });
  return { attempt: (kind, result) => attempts.inc({ kind, result }) };
}
