import { describe, expect, it } from 'vitest';
import {
  AppError,
  ERROR_CODES,
  ERROR_MEANING,
  ErrorCode,
  HTTP_STATUS,
  NATS_ERROR_CODE,
  errorBody,
  errorCodeFromNats,
  isErrorCode,
  toWireError,
} from './errors.js';

describe('error registry', () => {
  it('maps every code to the bus.md NATS and HTTP codes', () => {
    expect(
      Object.fromEntries(ERROR_CODES.map((c) => [c, [NATS_ERROR_CODE[c], HTTP_STATUS[c]]])),
    ).toEqual({
      BAD_REQUEST: [400, 400],
      UNAUTHENTICATED: [401, 401],
      FORBIDDEN: [403, 403],
      NOT_FOUND: [404, 404],
      CONFLICT: [409, 409],
      TOO_LARGE: [413, 413],
      RATE_LIMITED: [429, 429],
      UNAVAILABLE: [503, 503],
      INTERNAL: [500, 500],
    });
    for (const code of ERROR_CODES) expect(ERROR_MEANING[code].meaning.length).toBeGreaterThan(0);
  });

  it('round-trips NATS codes and defaults to INTERNAL', () => {
    for (const code of ERROR_CODES) expect(errorCodeFromNats(NATS_ERROR_CODE[code])).toBe(code);
    expect(errorCodeFromNats(418)).toBe('INTERNAL');
  });

  it('recognises codes', () => {
    expect(isErrorCode('CONFLICT')).toBe(true);
    expect(isErrorCode('conflict')).toBe(false);
    expect(isErrorCode(409)).toBe(false);
  });

  it('builds wire bodies whose error and message cannot be overridden by details', () => {
    expect(
      errorBody(ErrorCode.BAD_REQUEST, 'bad', { error: 'x', message: 'y', details: [1] }),
    ).toEqual({
      error: 'BAD_REQUEST',
      message: 'bad',
      details: [1],
    });
  });

  it('normalises thrown values', () => {
    const cause = new Error('root');
    const err = new AppError(ErrorCode.CONFLICT, 'token used', { cause, details: { node: 'n' } });
    expect(err.cause).toBe(cause);
    expect(err.name).toBe('AppError');
    expect(toWireError(err)).toEqual({ error: 'CONFLICT', message: 'token used', node: 'n' });
    expect(toWireError(new Error('boom'))).toEqual({
      error: 'INTERNAL',
      message: 'internal error',
    });
    expect(toWireError(new AppError('STORE_DOWN', 'x'))).toEqual({
      error: 'INTERNAL',
      message: 'internal error',
    });
    expect(new AppError(ErrorCode.NOT_FOUND, 'x').details).toEqual({});
  });
});
