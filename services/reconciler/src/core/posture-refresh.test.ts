import { describe, expect, it } from 'vitest';
import { MIN_REFRESH_GAIN_S, shouldRefreshPosture } from './posture-refresh.js';

const NOW = 1_900_000_000;
const base = { nowS: NOW, refreshBeforeS: 900 };

describe('shouldRefreshPosture', () => {
  it('nothing to refresh without a stored posture or an own credential', () => {
    expect(
      shouldRefreshPosture({ ...base, storedSignerNotAfter: undefined, ownNotAfter: NOW + 3600 }),
    ).toBe(false);
    expect(
      shouldRefreshPosture({ ...base, storedSignerNotAfter: NOW + 10, ownNotAfter: undefined }),
    ).toBe(false);
  });

  it('refreshes a signer that expires soon (or has) when ours lasts longer enough', () => {
    expect(
      shouldRefreshPosture({ ...base, storedSignerNotAfter: NOW + 899, ownNotAfter: NOW + 3600 }),
    ).toBe(true);
    expect(
      shouldRefreshPosture({ ...base, storedSignerNotAfter: NOW - 10, ownNotAfter: NOW + 3600 }),
    ).toBe(true);
  });

  it('leaves a signer with time left, or when ours would not extend it enough', () => {
    expect(
      shouldRefreshPosture({ ...base, storedSignerNotAfter: NOW + 900, ownNotAfter: NOW + 3600 }),
    ).toBe(false);
    expect(
      shouldRefreshPosture({
        ...base,
        storedSignerNotAfter: NOW + 100,
        ownNotAfter: NOW + 100 + MIN_REFRESH_GAIN_S - 1,
      }),
    ).toBe(false);
    expect(
      shouldRefreshPosture({
        ...base,
        storedSignerNotAfter: NOW + 100,
        ownNotAfter: NOW + 100 + MIN_REFRESH_GAIN_S,
      }),
    ).toBe(true);
  });
});
