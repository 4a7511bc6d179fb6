import { describe, expect, it } from 'vitest';
import { backoffMs, redactSecrets, retryAfterMs } from '../../../src/scorers/judge-failure.ts';
import { parseJudgeJson, stripFences } from '../../../src/scorers/judge-output.ts';
import { LocalRateLimiter } from '../../../src/scorers/rate-limiter.ts';
import { Semaphore } from '../../../src/scorers/semaphore.ts';
import { whenAborted } from '../../../src/scorers/abort-listeners.ts';

describe('judge output parsing', () => {
  it('strips fences and finds the object inside prose', () => {
    expect(stripFences('```json\n{"result": "yes"}\n```')).toBe('{"result": "yes"}');
    expect(stripFences('```\n{"a":1}```')).toBe('{"a":1}');
    expect(parseJudgeJson('Sure! {"rationale": "ok", "result": "no"} Hope that helps.')).toEqual({ rationale: 'ok', result: 'no' });
    expect(parseJudgeJson('yes')).toBeNull();
    expect(parseJudgeJson('[1, 2]')).toBeNull();
  });
});

describe('judge answers, written out', () => {
  it.each<[string, unknown]>([
    ['{"result":"yes","rationale":"ok"}', { result: 'yes', rationale: 'ok' }],
    ['  {"result":"no"}  ', { result: 'no' }],
    ['```json\n{"result":"no"}\n```', { result: 'no' }],
    ['  ```\n {"result":"yes"} \n```  ', { result: 'yes' }],
    ['Sure! Here it is: {"result":"yes"} Hope that helps.', { result: 'yes' }],
    // The outermost braces are taken: a stray brace after the object spoils it.
    ['{"result":"yes"} and later a stray }', null],
    ['{"a":1}', { a: 1 }],
    ['no braces at all', null],
    ['} backwards {', null],
    ['{', null],
    ['}{', null],
    ['[1, 2]', null],
    ['"a string"', null],
    ['null', null],
    ['42', null],
    ['prefix [{"result":"yes"}]', { result: 'yes' }],
    ['', null],
  ])('parseJudgeJson(%j)', (text, expected) => {
    expect(parseJudgeJson(text)).toEqual(expected);
  });

  it.each([
    ['```json\n{"a":1}\n```', '{"a":1}'],
    ['  plain  ', 'plain'],
    ['```\n  spaced  \n```', 'spaced'],
    ['```\n```', ''],
  ])('stripFences(%j) is %j', (text, expected) => {
    expect(stripFences(text)).toBe(expected);
  });
});

describe('retry policy pieces', () => {
  it('reads retry-after in ms, seconds or as a date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(Date.now() + 60_000).toUTCString() }))).toBeGreaterThan(50_000);
    expect(retryAfterMs(new Headers())).toBeNull();
  });

  it('redacts keys from endpoint messages', () => {
    expect(redactSecrets('Incorrect API key provided: sk-proj-abc123XYZ****wxyz.')).toBe('Incorrect API key provided: sk-[redacted].');
    expect(redactSecrets('bad key my-local-key here', 'my-local-key')).toBe('bad key [redacted] here');
  });

  it('backs off exponentially within jitter bounds, up to a cap', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const ceiling = Math.min(20_000, 250 * 2 ** (attempt - 1));
      const wait = backoffMs(attempt);
      expect(wait).toBeGreaterThanOrEqual(ceiling / 2);
      expect(wait).toBeLessThanOrEqual(ceiling);
    }
  });
});

describe('LocalRateLimiter', () => {
  it('admits rpm requests per minute and refills continuously', async () => {
    let now = 0;
    const limiter = new LocalRateLimiter({ rpm: 60 }, () => now);
    for (let i = 0; i < 60; i++) expect(await limiter.reserve(1)).toBe(0);
    expect(await limiter.reserve(1)).toBe(1000);
    now = 1000;
    expect(await limiter.reserve(1)).toBe(0);
  });

  it('limits tokens, and lets a call larger than the budget through on a full bucket', async () => {
    let now = 0;
    const limiter = new LocalRateLimiter({ tpm: 600 }, () => now);
    expect(await limiter.reserve(500)).toBe(0);
    expect(await limiter.reserve(200)).toBe(10_000);
    now = 60_000;
    expect(await limiter.reserve(5_000)).toBe(0);
  });
});

describe('Semaphore', () => {
  it('hands slots over in order and lets a waiter give up', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const abandoned = semaphore.acquire(controller.signal);
    const next = semaphore.acquire();
    controller.abort(new Error('gone'));
    await expect(abandoned).rejects.toThrow('gone');
    release();
    release(); // harmless
    const releaseNext = await next;
    expect(semaphore.inUse).toBe(1);
    releaseNext();
    expect(semaphore.inUse).toBe(0);
  });

  it('serves waiters by priority, in arrival order within one priority', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const served: string[] = [];
    const waiting = (
      [
        ['late chunk a', 5],
        ['old chunk a', 1],
        ['late chunk b', 5],
        ['oldest', 0],
        ['old chunk b', 1],
      ] as const
    ).map(([name, priority]) =>
      semaphore.acquire(undefined, priority).then((next) => {
        served.push(name);
        next();
      }),
    );
    release();
    await Promise.all(waiting);
    expect(served).toEqual(['oldest', 'old chunk a', 'old chunk b', 'late chunk a', 'late chunk b']);
    expect(semaphore.inUse).toBe(0);
  });
});

describe('whenAborted', () => {
  it('calls each registration still on when the signal aborts, once', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const shared = () => calls.push('shared');
    whenAborted(controller.signal, shared);
    const second = whenAborted(controller.signal, shared);
    const gone = whenAborted(controller.signal, () => calls.push('gone'));
    gone();
    second();
    whenAborted(controller.signal, () => calls.push('other'));
    controller.abort();
    controller.abort();
    expect(calls).toEqual(['shared', 'other']);
    // Already aborted: called all the same, after the caller has its undo in hand.
    whenAborted(controller.signal, () => calls.push('late'));
    expect(calls).toEqual(['shared', 'other']);
    await Promise.resolve();
    expect(calls).toEqual(['shared', 'other', 'late']);
  });
});
