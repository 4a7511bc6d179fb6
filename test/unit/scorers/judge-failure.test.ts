/** How each failed judge attempt is classified: the answer decides whether the call is retried, waited on or given up. */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { classifyFailure, retryAfterMs } from '../../../src/scorers/judge-failure.ts';

const apiError = (status: number | undefined, message: string, headers: Record<string, string> = {}, body?: object) =>
  APIError.generate(status, body ?? { message }, message, new Headers(headers));

describe('classifyFailure', () => {
  it('waits as told on a 429', () => {
    expect(classifyFailure(apiError(429, 'slow down', { 'retry-after-ms': '1500' }), true)).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 1500,
      message: 'judge endpoint answered 429: 429 slow down',
    });
    expect(classifyFailure(apiError(429, 'slow down'), false)).toMatchObject({ kind: 'rate_limited', retryAfterMs: null });
  });

  it.each([408, 409, 500, 502, 503, 599])('retries a %i', (status) => {
    expect(classifyFailure(apiError(status, 'busy'), true)).toEqual({ kind: 'transient', message: `judge endpoint answered ${status}: ${status} busy` });
  });

  it.each([400, 401, 403, 404, 422, 499])('gives up on a %i', (status) => {
    expect(classifyFailure(apiError(status, 'no'), false)).toEqual({ kind: 'unrecoverable', message: `judge endpoint answered ${status}: ${status} no` });
  });

  it('recognises a refused response_format only when one was sent', () => {
    const refusal = apiError(400, "response_format 'json_object' is not supported", {}, { message: 'unsupported', param: 'response_format' });
    expect(classifyFailure(refusal, true)).toMatchObject({ kind: 'response_format_refused' });
    expect(classifyFailure(refusal, false)).toMatchObject({ kind: 'unrecoverable' });
    expect(classifyFailure(apiError(400, 'JSON mode is not available for this model'), true)).toMatchObject({ kind: 'response_format_refused' });
    expect(classifyFailure(apiError(400, 'max_tokens is too large'), true)).toMatchObject({ kind: 'unrecoverable' });
    expect(classifyFailure(apiError(401, 'response_format is fine, the key is not'), true)).toMatchObject({ kind: 'unrecoverable' });
  });

  it('retries connection errors and timeouts, naming them', () => {
    expect(classifyFailure(new APIConnectionTimeoutError(), true)).toEqual({ kind: 'timeout', message: 'judge call timed out' });
    expect(classifyFailure(new APIConnectionError({ message: 'ECONNREFUSED' }), true)).toEqual({ kind: 'transient', message: 'connection error: ECONNREFUSED' });
    expect(classifyFailure(apiError(undefined, 'socket hang up'), true)).toEqual({ kind: 'transient', message: 'connection error: socket hang up' });
    expect(classifyFailure(new Error('something else'), true)).toEqual({ kind: 'transient', message: 'something else' });
    expect(classifyFailure('a string', true)).toEqual({ kind: 'transient', message: 'a string' });
  });

  it('redacts keys and shortens long endpoint messages', () => {
    const long = `bad key sk-abcdefghijklmnop ${'x'.repeat(400)}`;
    const { message } = classifyFailure(apiError(401, long), false);
    expect(message).toContain('sk-[redacted]');
    expect(message).not.toContain('abcdefghijklmnop');
    expect(message.endsWith('…')).toBe(true);
    expect(message).toHaveLength('judge endpoint answered 401: '.length + 301);
    const exact = classifyFailure(new Error('y'.repeat(300)), true).message;
    expect(exact).toBe('y'.repeat(300));
  });
});

describe('retryAfterMs', () => {
  it.each<[Record<string, string> | undefined, number | null]>([
    [undefined, null],
    [{}, null],
    [{ 'retry-after-ms': '250' }, 250],
    [{ 'retry-after-ms': '0' }, 0],
    [{ 'retry-after-ms': '-5', 'retry-after': '2' }, 2000],
    [{ 'retry-after-ms': 'soon', 'retry-after': '3' }, 3000],
    [{ 'retry-after': '0' }, 0],
    [{ 'retry-after': 'Thu, 01 Jan 1970 00:00:00 GMT' }, 0],
    [{ 'retry-after': 'not a date' }, null],
  ])('%j → %j', (headers, expected) => {
    expect(retryAfterMs(headers === undefined ? undefined : new Headers(headers))).toBe(expected);
  });

  it('reads an HTTP date as the time left until then', () => {
    const later = new Date(Date.now() + 60_000).toUTCString();
    const ms = retryAfterMs(new Headers({ 'retry-after': later }))!;
    expect(ms).toBeGreaterThan(50_000);
    expect(ms).toBeLessThanOrEqual(60_000);
  });
});
