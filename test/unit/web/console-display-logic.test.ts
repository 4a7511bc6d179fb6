/** How the console places the API's field messages and shows scores, span types, trace counts, waterfall ticks and a trend's time range. */
import { describe, expect, it } from 'vitest';
import { timeRange } from '../../../src/web/src/lib/chart-range.ts';
import { formatNumber, verdictOf } from '../../../src/web/src/lib/feedback.ts';
import { fieldErrors } from '../../../src/web/src/lib/field-errors.ts';
import { parseSearch, stringifySearch } from '../../../src/web/src/lib/search-params.ts';
import { spanTypeLabel } from '../../../src/web/src/lib/span-type.ts';
import { axisTicks, tickLabel, timeTicks } from '../../../src/web/src/lib/time-ticks.ts';
import { sessionCountLabel, traceCountLabel } from '../../../src/web/src/lib/trace-count.ts';

describe('scores', () => {
  it('are written as people write them, without padding zeros', () => {
    expect(formatNumber(0.7)).toBe('0.7');
    expect(verdictOf({ feedback: { value: 0.7 } }).label).toBe('0.7');
    expect(formatNumber(0.125)).toBe('0.125');
    expect(formatNumber(0.33333)).toBe('0.333');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(1234.5)).toBe('1,235');
    expect(formatNumber(4)).toBe('4');
    expect(formatNumber(-0.5)).toBe('-0.5');
  });
});

describe('span types', () => {
  it('read as names, not abbreviations', () => {
    expect(spanTypeLabel('AGENT')).toBe('Agent');
    expect(spanTypeLabel('RETRIEVER')).toBe('Retriever');
    expect(spanTypeLabel('CHAT_MODEL')).toBe('Chat model');
    expect(spanTypeLabel('LLM')).toBe('LLM');
    expect(spanTypeLabel('CHAIN')).toBe('Chain');
  });
  it('keep an application’s own type readable, and name a missing one', () => {
    expect(spanTypeLabel('MEMORY_LOOKUP')).toBe('Memory lookup');
    expect(spanTypeLabel('guardrail')).toBe('Guardrail');
    expect(spanTypeLabel('myStep')).toBe('MyStep');
    expect(spanTypeLabel(null)).toBe('Unknown');
    expect(spanTypeLabel('__')).toBe('Unknown');
  });
});

describe('trace count', () => {
  it('shows the server’s total, with + when the count stopped at its limit', () => {
    expect(traceCountLabel(100, true, { count: 360, more: false })).toBe('360 traces');
    expect(traceCountLabel(100, true, { count: 10_000, more: true })).toBe('10,000+ traces');
    expect(traceCountLabel(1, false, { count: 1, more: false })).toBe('1 trace');
  });
  it('falls back to what is loaded while the total is not known', () => {
    expect(traceCountLabel(100, true, undefined)).toBe('100+ traces (counting…)');
    expect(traceCountLabel(40, false, undefined)).toBe('40 traces');
    expect(sessionCountLabel(100, true, { count: 105, more: false })).toBe('105 sessions');
    expect(sessionCountLabel(1, false, undefined)).toBe('1 session');
    expect(sessionCountLabel(100, true, { count: 10_000, more: true })).toBe('10,000+ sessions');
  });
});

describe('waterfall ticks', () => {
  it('take round steps that cover the trace', () => {
    expect(timeTicks(900, 4)).toEqual([0, 500]);
    expect(timeTicks(1000, 5)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(timeTicks(0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(timeTicks(45_000, 4)).toEqual([0, 20_000, 40_000]);
    expect(timeTicks(0)).toEqual([0]);
    expect(timeTicks(Number.NaN)).toEqual([0]);
  });
  it('fit the narrow waterfall axis: at most two past 0, none at the total written beside it', () => {
    // 0, 100, 200, 300, 400 overlapped on a 140 px axis, the last one beside "400 ms".
    expect(axisTicks(400)).toEqual([0, 200]);
    expect(axisTicks(900)).toEqual([0, 500]);
    expect(axisTicks(1000)).toEqual([0, 500]);
    // 100 would sit at 91% of 110: a finer step keeps one tick past 0.
    expect(axisTicks(110)).toEqual([0, 50]);
    expect(axisTicks(0)).toEqual([0]);
  });
  it('label ticks in the unit their step needs', () => {
    expect(tickLabel(0, 200)).toBe('0');
    expect(tickLabel(400, 200)).toBe('400 ms');
    expect(tickLabel(0.2, 0.1)).toBe('0.2 ms');
    expect(tickLabel(2500, 500)).toBe('2500 ms');
    expect(tickLabel(20_000, 10_000)).toBe('20 s');
    expect(tickLabel(150_000, 60_000)).toBe('2 m 30 s');
    expect(tickLabel(120_000, 60_000)).toBe('2 m');
  });
});

describe('trend time range', () => {
  it('puts a single run in the middle of an hour rather than collapsing the range', () => {
    expect(timeRange([10_000])).toEqual([10_000 - 1800, 10_000 + 1800]);
    expect(timeRange([10_000], 6 * 3600)).toEqual([10_000 - 3 * 3600, 10_000 + 3 * 3600]);
  });
  it('widens runs seconds apart to the minimum span around their middle', () => {
    expect(timeRange([1000, 1010, 1020])).toEqual([1010 - 1800, 1010 + 1800]);
  });
  it('keeps a wide range with a little room at each end', () => {
    const [min, max] = timeRange([0, 100_000]);
    expect(min).toBeCloseTo(-4000);
    expect(max).toBeCloseTo(104_000);
  });
  it('has a range even with no points', () => {
    const [min, max] = timeRange([]);
    expect(max - min).toBe(3600);
  });
});

describe('field messages', () => {
  const filterReason = "Invalid clause 'OR': comparisons can only be joined by AND; OR is not supported";
  it('keep a reason that holds "; " whole when split from the message', () => {
    const errors = fieldErrors(`scorers[0].filter_string: ${filterReason}; scorers[1].guidelines: Too small`);
    expect(errors.byField('scorers[0].filter_string')).toEqual([`scorers[0].filter_string: ${filterReason}`]);
    expect(errors.byField('scorers[1].guidelines')).toEqual(['scorers[1].guidelines: Too small']);
    expect(errors.unplaced).toEqual([]);
  });
  it('use the API’s problems one by one when it sent them', () => {
    const problems = [`scorers[0].filter_string: ${filterReason}`, 'scorers[2].instructions: no template variable ({{ inputs }}; {{ outputs }})'];
    const errors = fieldErrors(problems.join('; '), problems);
    expect(errors.all).toEqual(problems);
    expect(errors.byField('scorers[2].instructions')).toEqual([problems[1]]);
  });
});

describe('URL query', () => {
  it('is written as plain text, as alert links write it, and read back as text', () => {
    const search = { exp: '2', filter: "tags.env = 'prod'", from: 1_700_000_000_000, q: 'true', empty: undefined };
    const text = stringifySearch(search);
    expect(text).toBe('?exp=2&filter=tags.env+%3D+%27prod%27&from=1700000000000&q=true');
    expect(parseSearch(text)).toEqual({ exp: '2', filter: "tags.env = 'prod'", from: '1700000000000', q: 'true' });
    expect(parseSearch('exp=7&span=')).toEqual({ exp: '7', span: '' });
    expect(stringifySearch({})).toBe('');
  });
});
