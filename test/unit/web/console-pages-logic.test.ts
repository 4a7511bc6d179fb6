/** The console's second part, its own logic: record checks as you type, label answers, metric deltas, dataset files. */
import { describe, expect, it } from 'vitest';
import { parseCsv, readRecords, toJsonl } from '../../../src/web/src/lib/dataset-file.ts';
import { labelProblem } from '../../../src/web/src/lib/labels.ts';
import { formatDelta, formatMetric } from '../../../src/web/src/lib/metrics.ts';
import { localProblem } from '../../../src/web/src/lib/record-check.ts';

describe('record fields checked as you type', () => {
  it('names the field and the reason', () => {
    expect(localProblem('inputs', '')).toBe('inputs: required, a JSON object');
    expect(localProblem('inputs', '[1]')).toBe('inputs: must be a JSON object');
    expect(localProblem('expectations', '{"expected_facts": "x"}')).toBe('expectations.expected_facts: must be a list of strings');
    expect(localProblem('expectations', '{"expected_response": 3}')).toBe('expectations.expected_response: must be a string');
    expect(localProblem('tags', '{"a": 1}')).toBe('tags.a: tag values must be strings');
    expect(localProblem('tags', '{"a": ')).toMatch(/^tags: not valid JSON/);
    expect(localProblem('outputs', 'plain text answer')).toBeNull();
    expect(localProblem('expectations', '{"guidelines": ["be kind"], "custom": {"x": 1}}')).toBeNull();
  });
});

describe('label answers', () => {
  it('checks each schema type', () => {
    expect(labelProblem({ type: 'yes_no' }, 'yes')).toBeNull();
    expect(labelProblem({ type: 'yes_no' }, 'maybe')).toBe('choose yes or no');
    expect(labelProblem({ type: 'numeric', min: 1, max: 5 }, 6)).toBe('must be between 1 and 5');
    expect(labelProblem({ type: 'numeric', min: 1, max: 5 }, 4.5)).toBeNull();
    expect(labelProblem({ type: 'categorical', options: ['a', 'b'] }, 'c')).toBe('choose one of a, b');
    expect(labelProblem({ type: 'text', multiple: true }, ['fact'])).toBeNull();
    expect(labelProblem({ type: 'text' }, '  ')).toBe('must not be empty');
  });
});

describe('metrics', () => {
  it('shows rates as percentages and their deltas in points', () => {
    expect(formatMetric('pass_rate', 0.8)).toBe('80.0%');
    expect(formatMetric('safety/mean', 1)).toBe('100.0%');
    expect(formatMetric('latency_seconds/p90', 1.234)).toBe('1.23 s');
    expect(formatMetric('cost/total', 0.5)).toBe('$0.5000');
    expect(formatDelta('pass_rate', -0.2)).toBe('−20.0 pts');
    expect(formatDelta('total_tokens/total', 1200)).toBe('+1,200');
    expect(formatDelta('pass_rate', null)).toBe('—');
  });
});

describe('dataset files', () => {
  it('reads JSONL, JSON and CSV as the CLI does, naming the line of a bad record', () => {
    expect(readRecords('{"inputs": {"q": 1}}\n\n{"inputs": {"q": 2}}\n', 'jsonl')).toHaveLength(2);
    expect(() => readRecords('{"inputs": {}}\n{oops', 'jsonl')).toThrow(/^line 2: not valid JSON/);
    expect(readRecords('{"records": [{"inputs": {}}]}', 'json')).toEqual([{ inputs: {} }]);
    const csv = 'inputs,outputs,inputs.lang\r\n"{""q"": ""a, b""}",plain,en\r\n';
    expect(readRecords(csv, 'csv')).toEqual([{ inputs: { q: 'a, b', lang: 'en' }, outputs: 'plain' }]);
    expect(parseCsv('a,"b\nc"\n1,2')).toEqual([['a', 'b\nc'], ['1', '2']]);
    expect(toJsonl([{ a: 1 }, { b: 2 }])).toBe('{"a":1}\n{"b":2}\n');
  });
});
