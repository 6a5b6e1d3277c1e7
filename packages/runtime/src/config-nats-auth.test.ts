import { describe, expect, it } from 'vitest';
import { readNatsAuth } from './config.js';

const files = (map: Record<string, string>) => (path: string) =>
  path in map
    ? Promise.resolve(map[path] ?? '')
    : Promise.reject(Object.assign(new Error('missing'), { code: 'ENOENT' }));

describe('readNatsAuth', () => {
  it('no user: no authentication', async () => {
    expect(await readNatsAuth({}, files({}))).toEqual({ ok: true, value: undefined });
  });

  it('user with a password, or with a password file (trimmed)', async () => {
    expect(await readNatsAuth({ NATS_USER: 'issuer', NATS_PASSWORD: 'pw' })).toEqual({
      ok: true,
      value: { user: 'issuer', password: 'pw' },
    });
    const read = files({ '/s/issuer': 'secret-pw\n' });
    expect(
      await readNatsAuth({ NATS_USER: 'issuer', NATS_PASSWORD_FILE: '/s/issuer' }, read),
    ).toEqual({ ok: true, value: { user: 'issuer', password: 'secret-pw' } });
  });

  it.each([
    [{ NATS_PASSWORD: 'pw' }, 'NATS_USER: required'],
    [{ NATS_PASSWORD_FILE: '/s/x' }, 'NATS_USER: required'],
    [{ NATS_USER: 'u' }, 'NATS_PASSWORD: required'],
    [{ NATS_USER: 'u', NATS_PASSWORD: 'a', NATS_PASSWORD_FILE: '/s/x' }, 'not both'],
    [{ NATS_USER: 'u', NATS_PASSWORD_FILE: '/missing' }, 'cannot read /missing (ENOENT)'],
    [{ NATS_USER: 'u', NATS_PASSWORD_FILE: '/s/empty' }, 'is empty'],
  ])('%j is a configuration error', async (env, text) => {
    const result = await readNatsAuth(env, files({ '/s/empty': ' \n' }));
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error.problems.join('\n')).toContain(text);
  });
});
