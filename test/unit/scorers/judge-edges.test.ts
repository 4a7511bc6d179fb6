/**
 * Judge answers and failures at their edges: an object followed by prose, an error that only the
 * response body names as a response_format refusal, errors that are not HTTP answers, and
 * retry-after values that are negative or infinite.
 */
import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { classifyFailure, retryAfterMs } from '../../../src/scorers/judge-failure.ts';
import { parseJudgeJson } from '../../../src/scorers/judge-output.ts';

describe('judge answer edges', () => {
  it('reads an object at the very start followed by prose', () => {
    expect(parseJudgeJson('{"result":"yes"} That is my verdict.')).toEqual({ result: 'yes' });
    expect(parseJudgeJson('{"result":"no","rationale":"x"}\n\nThanks')).toEqual({ result: 'no', rationale: 'x' });
  });
});

describe('judge failure edges', () => {
  it('names a response_format refusal the endpoint gives only in its error body', () => {
    const error = APIError.generate(400, { error: { message: 'Unsupported parameter', param: 'response_format' } }, undefined, new Headers());
    expect(classifyFailure(error, true)).toEqual({ kind: 'response_format_refused', message: 'judge endpoint answered 400: 400 Unsupported parameter' });
  });

  it('reads an API error without a status as a connection error', () => {
    expect(classifyFailure(new APIError(undefined, undefined, 'stream ended', undefined), true)).toEqual({
      kind: 'transient',
      message: 'connection error: stream ended',
    });
  });

  it('does not read a status on an error that is not an API error', () => {
    const error = Object.assign(new Error('from somewhere else'), { status: 401 });
    expect(classifyFailure(error, true)).toEqual({ kind: 'transient', message: 'from somewhere else' });
  });

  it.each<[string, number | null]>([
    ['-3', 0],
    ['Infinity', null],
    ['-Infinity', null],
  ])('retry-after %j waits %j ms', (value, expected) => {
    expect(retryAfterMs(new Headers({ 'retry-after': value }))).toBe(expected);
  });
});
