/** The monitor config document: defaults, whole-document semantics, every problem reported. */
import { describe, expect, it } from 'vitest';
import { scorerRate, validateMonitorConfig, type ConfigChecks } from '../../src/domain/monitor-config.ts';

const checks: ConfigChecks = {
  validateScorers: () => [],
  filterError: (text) => (text.includes('bad') ? `Invalid filter '${text}'` : null),
};

describe('validateMonitorConfig', () => {
  it('fills the documented defaults and keeps nothing that was left out', () => {
    const result = validateMonitorConfig({ results_schema: 'monitoring', scorers: [{ name: 'safety' }] }, checks);
    expect(result).toEqual({
      ok: true,
      config: { results_schema: 'monitoring', sample: 1, paused: false, interval_minutes: 15, session_idle_seconds: 900, scorers: [{ name: 'safety' }] },
    });
  });

  it('rates a scorer at its own sample_rate, else at the monitor sample', () => {
    const result = validateMonitorConfig(
      { results_schema: 'm', sample: 0.3, scorers: [{ name: 'a' }, { name: 'b', sample_rate: 0.9 }] },
      checks,
    );
    if (!result.ok) throw new Error(result.problems.join());
    expect(result.config.scorers.map((s) => scorerRate(result.config, s))).toEqual([0.3, 0.9]);
  });

  it('reports every problem at once with its path', () => {
    const result = validateMonitorConfig(
      {
        results_schema: '1bad',
        sample: -1,
        interval_minutes: 0.5,
        filter_string: 'bad one',
        extra: true,
        scorers: [{ name: 'a', sample_rate: 2, filter_string: 'bad two' }],
      },
      { ...checks, validateScorers: () => ['scorers[0].type: unknown'] },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const fields = result.problems.map((p) => p.split(':')[0]);
    expect(fields).toEqual(
      expect.arrayContaining(['results_schema', 'sample', 'interval_minutes', 'filter_string', 'extra', 'scorers[0].sample_rate', 'scorers[0].filter_string', 'scorers[0].type']),
    );
  });

  it('refuses a document that is not an object', () => {
    expect(validateMonitorConfig(null, checks).ok).toBe(false);
    expect(validateMonitorConfig([], checks).ok).toBe(false);
  });

  it('names each problem exactly, and keeps a valid filter_string', () => {
    const bad = validateMonitorConfig({ results_schema: 'assay', filter_string: 'bad x', scorers: [{ name: 's', filter_string: 'bad y' }, null] }, checks);
    expect(bad).toEqual({
      ok: false,
      problems: [
        "results_schema: schema 'assay' is Assay's own (reserved); choose a schema of your own, such as 'monitoring'",
        'scorers[0].filter_string: Invalid filter \'bad y\'',
        expect.stringMatching(/^scorers\[1\]: /),
        "filter_string: Invalid filter 'bad x'",
      ],
    });
    expect(validateMonitorConfig({ results_schema: 'pg_x', scorers: [] }, checks)).toEqual({
      ok: false,
      problems: ["results_schema: schema 'pg_x' belongs to Postgres (reserved); choose a schema of your own, such as 'monitoring'"],
    });
    expect(validateMonitorConfig('text', checks)).toMatchObject({ ok: false, problems: [expect.stringMatching(/^body: /)] });

    const good = validateMonitorConfig(
      { results_schema: 'm', filter_string: "tags.env = 'prod'", scorers: [{ name: 's', filter_string: "tags.tier = 'gold'" }] },
      checks,
    );
    expect(good).toEqual({
      ok: true,
      config: { results_schema: 'm', sample: 1, paused: false, interval_minutes: 15, session_idle_seconds: 900, filter_string: "tags.env = 'prod'", scorers: [{ name: 's', filter_string: "tags.tier = 'gold'" }] },
    });
  });

  it('refuses a document whose only problem is one the scorer checks report', () => {
    const result = validateMonitorConfig({ results_schema: 'm', scorers: [{ name: 'nope' }] }, { ...checks, validateScorers: () => ['scorers[0].name: unknown scorer'] });
    expect(result).toEqual({ ok: false, problems: ['scorers[0].name: unknown scorer'] });
  });
});
