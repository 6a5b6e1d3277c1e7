import { randomBytes } from 'node:crypto';
import {
  AppError,
  DEFAULT_RENEWAL_BACKOFF,
  acceptIssued,
  ErrorCode,
  checkAgentId,
  planRenewal,
  renewalBackoffS,
  renewalView,
  type CredentialReply,
  type RenewalPolicy,
  type ServiceName,
  type VerifierBundle,
} from '@fedplane/core';
import { seedCredentialSigner, type CredentialSigner } from '@fedplane/messaging';
import { sleep, type Clock } from './clock.js';
import { generateServiceKey, type ServiceKey } from './credential-key.js';
import type { Registry } from 'prom-client';
import {
  createCredentialMetrics,
  noCredentialMetrics,
  type AttemptKind,
} from './credential-metrics.js';
import {
  holderStatus,
  renewRequest,
  serviceAttestRequest,
  type Held,
  type HolderStatus,
} from './held-credential.js';
import type { IssuerClient, IssuerResult } from './issuer-client.js';
import type { Log } from './logger.js';
import type { CheckResult } from './readiness.js';

/**
 * The service identity every service holds (identity.md "Issuer service": services attest with
 * `{type: 'service', service, secret}` and get `svc/<service>/<instance>`). The holder keeps an
 * Ed25519 seed in memory, attests, renews by proof of possession when core `planRenewal` says
 * so, never drops a valid credential on a failure, re-attests once the credential expired (or the
 * issuer refuses it), and signs through a messaging `CredentialSigner`.
 */

/** Options of {@link createCredentialHolder}. */
export type CredentialHolderOptions = {
  readonly service: ServiceName;
  /** Instance id (`INSTANCE_ID`): one token, unique per process. */
  readonly instance: string;
  /** The service bootstrap secret. */
  readonly secret: string;
  readonly issuer: IssuerClient;
  readonly clock: Clock;
  readonly log: Log;
  /** The key (default: a fresh one; see `loadOrCreateServiceKey` to persist it). */
  readonly key?: ServiceKey;
  /** The live trust bundle; when it returns one, new credentials must verify against it. */
  readonly bundle?: () => VerifierBundle | undefined;
  /** Renewal policy (default `renewBeforeS` 0: half-life renewal, core backoff defaults). */
  readonly policy?: Partial<RenewalPolicy>;
  /** Longest wait between failed attestations, in seconds (default 30). */
  readonly maxAttestBackoffS?: number;
  /** Randomness in [0, 1) for jitter (default: crypto). */
  readonly random?: () => number;
  /** Registers the holder's metrics (`fedplane_credential_*`) when given. */
  readonly registry?: Registry;
};

/** A running identity. */
export type CredentialHolder = {
  /** `svc/<service>/<instance>`. */
  readonly agentId: string;
  readonly publicKey: Uint8Array;
  /** Signs as this identity; `credential()` throws `AppError(UNAVAILABLE)` without a valid one. */
  readonly signer: CredentialSigner;
  status(): HolderStatus;
  /** Readiness check: ok while a valid credential is held. */
  readiness(): CheckResult;
  /** Runs attest/renew until `signal` aborts. Never rejects for issuer failures. */
  run(signal: AbortSignal): Promise<void>;
  /** Resolves true once a valid credential is held, false if `signal` aborts first. */
  whenHeld(signal: AbortSignal): Promise<boolean>;
};

function cryptoRandom(): number {
  return randomBytes(4).readUInt32BE(0) / 2 ** 32;
}

/** Creates the holder; throws `RangeError` when `svc/<service>/<instance>` is not a valid id. */
export function createCredentialHolder(options: CredentialHolderOptions): CredentialHolder {
  const { clock, log, issuer } = options;
  const agentId = `svc/${options.service}/${options.instance}`;
  const checked = checkAgentId(agentId);
  if (!checked.ok || options.instance === '' || options.instance.includes('/')) {
    throw new RangeError(`invalid service identity ${agentId}`);
  }
  const key = options.key ?? generateServiceKey();
  const random = options.random ?? cryptoRandom;
  const policy: RenewalPolicy = { renewBeforeS: 0, ...DEFAULT_RENEWAL_BACKOFF, ...options.policy };
  const maxAttestBackoffS = options.maxAttestBackoffS ?? 30;
  let held: Held | undefined;
  let failures = 0;
  let lastAttemptAt: number | undefined;
  let lastRenewalAt: number | undefined;
  let lastError: string | undefined;
  let reattest = false;
  let jitter = random();
  let expiredNoted = false;
  const waiters = new Set<() => void>();

  const nowS = (): number => Math.floor(clock.nowMs() / 1000);
  const valid = (): boolean => held !== undefined && nowS() <= held.claims.not_after;
  const metrics =
    options.registry === undefined
      ? noCredentialMetrics
      : createCredentialMetrics(options.registry, () => ({
          notAfter: held?.claims.not_after,
          valid: valid(),
        }));

  const fail = (kind: AttemptKind, result: 'rejected' | 'error', error: string): void => {
    failures += 1;
    lastAttemptAt = nowS();
    lastError = error;
    metrics.attempt(kind, result);
    log.warn(
      { agent_id: agentId, kind, failures, reason: error, not_after: held?.claims.not_after },
      'credential attempt failed',
    );
  };

  const apply = (kind: AttemptKind, result: IssuerResult): void => {
    if (!result.ok) {
      const { code, message, reason } = result.error;
      if (code === ErrorCode.UNAUTHENTICATED || code === ErrorCode.FORBIDDEN) reattest = true;
      fail(kind, 'error', `${code}${reason === undefined ? '' : ` ${reason}`}: ${message}`);
      return;
    }
    const reply: CredentialReply = result.value;
    const bundle = options.bundle?.();
    const outcome = acceptIssued({
      held: held === undefined ? null : { claims: held.claims, chain: held.chain },
      reply,
      expectedAgentId: agentId,
      expectedPublicKey: key.publicKey,
      bundle: bundle ?? null,
      nowS: nowS(),
    });
    switch (outcome.kind) {
      case 'reject':
        fail(kind, 'rejected', `refused: ${outcome.error.tag}`);
        return;
      case 'unchanged':
        metrics.attempt(kind, 'unchanged');
        break;
      case 'swap':
        held = {
          leaf: reply.credential,
          ...(reply.chain === undefined ? {} : { chain: reply.chain }),
          claims: outcome.claims,
          credentialId: outcome.credentialId,
          jitter: random(),
        };
        jitter = held.jitter;
        lastRenewalAt = nowS();
        expiredNoted = false;
        metrics.attempt(kind, 'ok');
        log.info(
          {
            agent_id: agentId,
            kind,
            credential_id: outcome.credentialId,
            not_after: outcome.claims.not_after,
          },
          kind === 'attest' ? 'credential acquired' : 'credential renewed',
        );
        for (const wake of waiters) wake();
        break;
      default: {
        const never: never = outcome;
        return never;
      }
    }
    failures = 0;
    lastAttemptAt = undefined;
    lastError = undefined;
    reattest = false;
  };

  const call = async (kind: AttemptKind): Promise<void> => {
    try {
      apply(kind, kind === 'attest' ? await attest() : await renew());
    } catch (err) {
      fail(kind, 'error', `UNAVAILABLE: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const attest = (): Promise<IssuerResult> =>
    issuer.attest(
      serviceAttestRequest({
        agentId,
        publicKey: key.publicKey,
        service: options.service,
        secret: options.secret,
      }),
    );

  const renew = (): Promise<IssuerResult> => {
    if (held === undefined) throw new Error('renew without a credential'); // planRenewal forbids
    return issuer.renew(renewRequest(key.seed, held, nowS()));
  };

  /** One step; returns how long to sleep before the next. */
  const step = async (): Promise<number> => {
    // Plan with the fractional time: a whole-second `now` can sit just before a fractional
    // due time that has already passed, and the loop would spin on zero-length sleeps.
    const now = clock.nowMs() / 1000;
    const attempts = { failures, ...(lastAttemptAt === undefined ? {} : { lastAttemptAt }) };
    const view = held === undefined ? null : renewalView(held.claims, attempts);
    const decision = planRenewal(view, policy, now, jitter);
    switch (decision.kind) {
      case 'acquire':
      case 'expired': {
        if (decision.kind === 'expired' && !expiredNoted) {
          expiredNoted = true;
          log.error({ agent_id: agentId, not_after: held?.claims.not_after }, 'credential expired');
        }
        if (failures > 0 && lastAttemptAt !== undefined) {
          const backoff = Math.min(
            maxAttestBackoffS,
            renewalBackoffS(policy, failures, Number.POSITIVE_INFINITY, jitter),
          );
          const dueMs = (lastAttemptAt + backoff) * 1000;
          if (dueMs > clock.nowMs()) return dueMs - clock.nowMs();
        }
        await call('attest');
        return 0;
      }
      case 'renew_now':
        await call(reattest ? 'attest' : 'renew');
        return 0;
      case 'wait':
        return decision.at * 1000 - clock.nowMs();
      default: {
        const never: never = decision;
        return never;
      }
    }
  };

  const signer = seedCredentialSigner({
    agentId,
    seed: key.seed,
    credential: () => {
      if (held === undefined || !valid()) {
        throw new AppError(ErrorCode.UNAVAILABLE, 'no valid credential held', {
          details: {
            agent_id: agentId,
            reason: held === undefined ? 'none' : 'credential_expired',
          },
        });
      }
      return held.leaf;
    },
    chain: () => held?.chain,
  });

  return {
    agentId,
    publicKey: key.publicKey,
    signer,
    status: () =>
      holderStatus(agentId, held, nowS(), {
        failures,
        ...(lastAttemptAt === undefined ? {} : { lastAttemptAt }),
        ...(lastRenewalAt === undefined ? {} : { lastRenewalAt }),
        ...(lastError === undefined ? {} : { lastError }),
      }),
    readiness: () =>
      valid()
        ? { ok: true }
        : { ok: false, reason: held === undefined ? 'no credential' : 'credential expired' },
    run: async (signal) => {
      while (!signal.aborted) {
        const delayMs = await step();
        await sleep(delayMs, signal);
      }
    },
    whenHeld: (signal) =>
      new Promise((resolve) => {
        if (valid()) return resolve(true);
        const done = (result: boolean): void => {
          waiters.delete(wake);
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        };
        const wake = (): void => done(true);
        const onAbort = (): void => done(false);
        if (signal.aborted) return done(false);
        waiters.add(wake);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
  };
}
