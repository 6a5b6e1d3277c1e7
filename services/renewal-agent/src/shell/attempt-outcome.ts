import type { Claims, ErrorCode } from '@fedplane/core';
import type { AttemptResult } from './ports.js';

/** The shapes an agent's attempts share: the held credential, a failure, an outcome. */

/** A credential in hand. */
export type Held = {
  readonly leaf: string;
  readonly chain?: string;
  readonly claims: Claims;
  readonly credentialId: string;
  /** Drawn once per credential so the renewal plan is stable across steps. */
  readonly jitter: number;
};

/** A failed attempt as recorded. */
export type Failure = {
  /** Wire code (for the renew-now error reply). */
  readonly code: ErrorCode;
  /** Stable snake_case tag. */
  readonly reason: string;
  readonly message: string;
  readonly result: Exclude<AttemptResult, 'ok' | 'unchanged'>;
};

/** Outcome of one attempt. */
export type AttemptOutcome =
  | { readonly kind: 'swapped' }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'failed'; readonly failure: Failure };
