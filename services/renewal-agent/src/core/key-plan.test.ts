import { describe, expect, it } from 'vitest';
import { reconcileStoredKeys } from './key-plan.js';

const key = (n: number): Uint8Array => new Uint8Array(32).fill(n);

describe('reconcileStoredKeys', () => {
  it.each([
    { name: 'no stored credential', next: null, cred: null, want: 'keep' },
    { name: 'credential of the current key', next: null, cred: key(1), want: 'keep' },
    {
      name: 'credential of the current key, staged key kept for a retry',
      next: key(2),
      cred: key(1),
      want: 'keep',
    },
    {
      name: 'crash after the credential was written, before the key was promoted',
      next: key(2),
      cred: key(2),
      want: 'promote_next',
    },
    { name: 'credential of neither key', next: key(2), cred: key(3), want: 'credential_foreign' },
    {
      name: 'credential of another key, nothing staged',
      next: null,
      cred: key(3),
      want: 'credential_foreign',
    },
  ])('$name → $want', ({ next, cred, want }) => {
    expect(reconcileStoredKeys({ current: key(1), next, credentialKey: cred }).kind).toBe(want);
  });
});
