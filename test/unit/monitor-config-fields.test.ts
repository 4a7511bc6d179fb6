/**
 * The monitor config document field by field: the exact message a user gets for each bad value,
 * the bounds that are still accepted, and the optional parts (alerts, webhooks, budget) kept whole.
 */
import { describe, expect, it } from 'vitest';
import { sessionIdleSeconds, validateMonitorConfig, type ConfigChecks, type MonitorConfig } from '../../src/domain/monitor-config.ts';

const checks: ConfigChecks = {
  validateScorers: () => [],
  filterError: (text) => (text.includes('bad') ? `Invalid filter '${text}'` : null),
};
const problems = (body: unknown, c: ConfigChecks = checks): string[] => {
  const result = validateMonitorConfig(body, c);
  return result.ok ? [] : result.problems;
};
const base = { results_schema: 'm', scorers: [] };
const DOCUMENT_FIELDS = 'results_schema, sample, paused, interval_minutes, filter_string, session_idle_seconds, scorers, alerts, webhooks, budget';

describe('monitor config fields', () => {
  it.each([
    [{ sample: 1.5 }, 'sample: must be in [0, 1]'],
    [{ sample: -0.01 }, 'sample: must be in [0, 1]'],
    [{ sample: 'x' }, 'sample: Invalid input: expected number, received string'],
    [{ paused: 'yes' }, 'paused: Invalid input: expected boolean, received string'],
    [{ interval_minutes: 0 }, 'interval_minutes: Too small: expected number to be >=1'],
    [{ interval_minutes: 10_081 }, 'interval_minutes: Too big: expected number to be <=10080'],
    [{ interval_minutes: 1.5 }, 'interval_minutes: must be a whole number'],
    [{ session_idle_seconds: 0 }, 'session_idle_seconds: must be 1 to 86400 seconds'],
    [{ session_idle_seconds: 86_401 }, 'session_idle_seconds: must be 1 to 86400 seconds'],
    [{ session_idle_seconds: 1.5 }, 'session_idle_seconds: must be a whole number of seconds'],
    [{ filter_string: 5 }, 'filter_string: Invalid input: expected string, received number'],
    [{ results_schema: 'M' }, 'results_schema: must be a lower-case SQL identifier (letters, digits, _; at most 63)'],
    [{ results_schema: 'a'.repeat(64) }, 'results_schema: must be a lower-case SQL identifier (letters, digits, _; at most 63)'],
    [{ scorers: 'x' }, 'scorers: Invalid input: expected array, received string'],
    [{ scorers: Array.from({ length: 51 }, (_, i) => ({ name: `s${i}` })) }, 'scorers: at most 50 scorers'],
    [{ budget: {} }, 'budget: set at least one of max_judge_calls, max_tokens, max_cost_usd'],
    [{ budget: { max_tokens: 1.5 } }, 'budget.max_tokens: must be a whole number'],
  ])('%j', (fields, message) => {
    expect(problems({ ...base, ...fields })).toEqual([message]);
  });

  it('accepts the bounds of every range', () => {
    for (const fields of [
      { sample: 0, paused: true, interval_minutes: 10_080, session_idle_seconds: 86_400, results_schema: 'a'.repeat(63) },
      { sample: 1, paused: false, interval_minutes: 1, session_idle_seconds: 1, results_schema: '_x9' },
    ]) {
      expect(validateMonitorConfig({ ...base, ...fields }, checks)).toEqual({ ok: true, config: { ...base, ...fields } });
    }
    expect(problems({ ...base, scorers: Array.from({ length: 50 }, (_, i) => ({ name: `s${i}` })) })).toEqual([]);
  });

  it('names a missing results_schema and scorers, and each unknown field with the fields the document holds', () => {
    expect(problems({})).toEqual([
      'results_schema: Invalid input: expected string, received undefined',
      'scorers: Invalid input: expected array, received undefined',
    ]);
    expect(problems({ ...base, a: 1, b: 2 })).toEqual([
      `a: unknown field (the document holds ${DOCUMENT_FIELDS})`,
      `b: unknown field (the document holds ${DOCUMENT_FIELDS})`,
    ]);
  });

  it('names each bad scorer entry by its index', () => {
    expect(problems({ ...base, scorers: [{ name: 'a', sample_rate: -0.1 }, { name: 'b', sample_rate: 'x' }, 5, { name: 'c', filter_string: 7 }] })).toEqual([
      'scorers[0].sample_rate: must be in [0, 1]',
      'scorers[1].sample_rate: Invalid input: expected number, received string',
      'scorers[2]: Invalid input: expected object, received number',
      'scorers[3].filter_string: Invalid input: expected string, received number',
    ]);
  });

  it('reports the same bad filter once per place it is written, and a repeated problem once', () => {
    expect(problems({ ...base, scorers: [{ name: 'a', filter_string: 'bad' }, { name: 'b', filter_string: 'bad' }], filter_string: 'bad' })).toEqual([
      "scorers[0].filter_string: Invalid filter 'bad'",
      "scorers[1].filter_string: Invalid filter 'bad'",
      "filter_string: Invalid filter 'bad'",
    ]);
    const twice: ConfigChecks = { ...checks, validateScorers: () => ['scorers[0].name: unknown scorer', 'scorers[0].name: unknown scorer'] };
    expect(problems({ ...base, scorers: [{ name: 'a' }] }, twice)).toEqual(['scorers[0].name: unknown scorer']);
  });

  it('passes the scorer entries to the scorer checks as written', () => {
    const seen: unknown[][] = [];
    const entries = [{ name: 'a', type: 'guidelines', guidelines: ['be kind'] }, null];
    validateMonitorConfig({ ...base, scorers: entries }, { ...checks, validateScorers: (e) => (seen.push(e), []) });
    expect(seen).toEqual([entries]);
  });

  it('keeps alerts, webhooks and budget whole, with their defaults filled', () => {
    const body = {
      ...base,
      scorers: [{ name: 'a' }],
      alerts: [{ name: 'r', scorer: 'a', metric: 'pass_rate', op: '<', threshold: 0.8, window: { runs: 3 }, webhooks: ['h'] }],
      webhooks: [{ name: 'h', url: 'https://x.example/h' }],
      budget: { max_judge_calls: 10 },
    };
    expect(validateMonitorConfig(body, checks)).toEqual({
      ok: true,
      config: {
        results_schema: 'm',
        sample: 1,
        paused: false,
        interval_minutes: 15,
        session_idle_seconds: 900,
        scorers: [{ name: 'a' }],
        alerts: [{ name: 'r', scorer: 'a', metric: 'pass_rate', op: '<', threshold: 0.8, window: { runs: 3 }, confidence: 0.95, for_evaluations: 1, webhooks: ['h'] }],
        webhooks: [{ name: 'h', url: 'https://x.example/h', format: 'generic' }],
        budget: { period: 'day', max_judge_calls: 10 },
      },
    });
  });

  it('checks alert rules against the scorers named in the document', () => {
    const rule = { name: 'r', metric: 'pass_rate', op: '<', threshold: 0.8, window: { runs: 3 } };
    // Entries without a string name (and a null entry) name no scorer.
    expect(problems({ ...base, scorers: [{ name: 'a' }, { name: 'b' }, null, { name: 7 }], alerts: [{ ...rule, scorer: 'zz' }] })).toEqual([
      'scorers[2]: Invalid input: expected object, received null',
      "alerts[0].scorer: 'zz' is not a scorer of this monitor (a, b)",
    ]);
    expect(problems({ ...base, scorers: [{ name: 'a' }], alerts: [{ ...rule, scorer: 'a' }] })).toEqual([]);
    // A custom judge's result type says what a rule can measure: no pass rate of numbers or categories, no mean of categories.
    const judge = { type: 'custom_judge', instructions: 'Rate {{ outputs }}.' };
    const scorers = [
      { name: 'score', ...judge, result_type: { type: 'number', min: 1, max: 5 } },
      { name: 'tone', ...judge, result_type: { type: 'categories', values: ['calm', 'rude'] } },
      { name: 'ok', ...judge, result_type: 'yes_no' },
      { name: 'plain', ...judge },
    ];
    expect(problems({
      ...base,
      scorers,
      alerts: [
        { ...rule, name: 'r1', scorer: 'score' },
        { ...rule, name: 'r2', scorer: 'tone' },
        { ...rule, name: 'r3', scorer: 'tone', metric: 'mean', threshold: 2 },
        { ...rule, name: 'r4', scorer: 'score', metric: 'mean', threshold: 2 },
        { ...rule, name: 'r5', scorer: 'ok' },
        { ...rule, name: 'r6', scorer: 'plain' },
        { ...rule, name: 'r7', scorer: 'tone', metric: 'judge_error_rate', op: '>', threshold: 0.1 },
      ],
    })).toEqual([
      "alerts[0].metric: scorer 'score' gives numbers (result_type number), not pass/fail: use mean",
      "alerts[1].metric: scorer 'tone' gives categories (result_type categories), not pass/fail or numbers",
      "alerts[2].metric: scorer 'tone' gives categories (result_type categories), not pass/fail or numbers",
    ]);
    expect(problems({ ...base, alerts: [{ ...rule, metric: 'bogus' }], webhooks: [{ name: 'h', url: 'ftp://x' }] })).toEqual([
      'alerts[0].metric: Invalid option: expected one of "pass_rate"|"mean"|"judge_error_rate"|"trace_count"|"deferred_pairs"',
      'webhooks[0].url: must be an http(s) URL',
    ]);
    const many = <T>(n: number, make: (i: number) => T) => Array.from({ length: n }, (_, i) => make(i));
    expect(
      problems({
        ...base,
        alerts: many(101, (i) => ({ name: `r${i}`, metric: 'trace_count', op: '<', threshold: 1, window: { runs: 1 } })),
        webhooks: many(21, (i) => ({ name: `h${i}`, url: 'https://x.example' })),
      }),
    ).toEqual(['alerts: at most 100 rules', 'webhooks: at most 20 webhooks']);
    expect(
      problems({
        ...base,
        alerts: many(100, (i) => ({ name: `r${i}`, metric: 'trace_count', op: '<', threshold: 1, window: { runs: 1 } })),
        webhooks: many(20, (i) => ({ name: `h${i}`, url: 'https://x.example' })),
      }),
    ).toEqual([]);
  });

  it('leaves out of the stored document every optional field the PUT left out', () => {
    const result = validateMonitorConfig({ ...base }, checks);
    if (!result.ok) throw new Error(result.problems.join());
    expect(Object.keys(result.config)).toEqual(['results_schema', 'sample', 'paused', 'interval_minutes', 'session_idle_seconds', 'scorers']);
    for (const key of ['filter_string', 'alerts', 'webhooks', 'budget']) expect(key in result.config, key).toBe(false);
  });

  it('judges a session after the documented 900 s when the document predates the setting', () => {
    const config: MonitorConfig = { results_schema: 'm', sample: 1, paused: false, interval_minutes: 15, scorers: [] };
    expect(sessionIdleSeconds(config)).toBe(900);
    expect(sessionIdleSeconds({ ...config, session_idle_seconds: 60 })).toBe(60);
  });
});
