import { describe, expect, it } from 'vitest';
import { errorFromResponse, errorInfo, SyncError, unreachable } from './errors';

describe("the page's errors", () => {
  it('a SyncError carries its info: the code, status, message and details the UI reads', () => {
    const info = {
      code: 'forbidden' as const,
      status: 403,
      message: 'no',
      details: { permission: 'tag.write' },
    };
    const error = new SyncError(info);
    expect(errorInfo(error)).toBe(info);
    expect([error.code, error.status, error.message, error.name]).toEqual([
      'forbidden',
      403,
      'no',
      'SyncError',
    ]);
  });

  it('anything else thrown is an internal_error with its message, never a network error', () => {
    expect(errorInfo(new TypeError('x is undefined'))).toEqual({
      code: 'internal_error',
      status: 0,
      message: 'x is undefined',
    });
    expect(errorInfo('boom')).toEqual({ code: 'internal_error', status: 0, message: 'boom' });
  });

  it("an answer's contract body gives the code; a bare 502 is unavailable; a failed fetch is network_error", () => {
    const body = JSON.stringify({
      error: { code: 'wrong_pin', message: 'that PIN is not valid', details: null },
    });
    expect(errorFromResponse(401, body).info).toEqual({
      code: 'wrong_pin',
      status: 401,
      message: 'that PIN is not valid',
      details: null,
    });
    expect(errorFromResponse(502, '<html>').info).toEqual({
      code: 'unavailable',
      status: 502,
      message: 'The server answered 502.',
    });
    expect(unreachable(new TypeError('Failed to fetch')).info).toEqual({
      code: 'network_error',
      status: 0,
      message: 'The server could not be reached (Failed to fetch).',
    });
  });
});
