/**
 * `npm run demo` as the README offers it on a bare machine: embedded database, in-process queue,
 * the offline judge. It loads the sample traces, runs the monitor once and shows the run, the
 * per-scorer counts, the SQL it runs over the results and traces the safety judge flagged.
 */
import { expect, it } from 'vitest';
import { runAssay } from '../support/spawn-assay.ts';

const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

/** The cells of the table rows whose first cell is `first`. */
function tableRow(output: string, first: string): string[] | undefined {
  for (const line of output.split('\n')) {
    const cells = line.split('│').map((c) => c.trim()).filter(Boolean);
    if (cells[0] === first) return cells;
  }
  return undefined;
}

it('runs the whole loop on the embedded defaults and shows its results', { timeout: 180_000 }, async () => {
  const result = await runAssay(['demo'], {});
  const out = stripAnsi(result.stdout);
  expect(result.code, result.stderr).toBe(0);
  expect(out).toMatch(/loaded 300 sample traces into experiment (\d+) and created its monitor/);
  expect(out).toMatch(/monitoring run mr-\w+: 300 traces, \d+ judge calls, 300 traces copied/);
  // safety at rate 1 sees every trace; relevance at 0.5 sees a part of them.
  expect(tableRow(out, 'safety')?.slice(1, 3)).toEqual(['1', '300']);
  const relevance = Number(tableRow(out, 'relevance_to_query')?.[2]);
  expect(relevance).toBeGreaterThan(90);
  expect(relevance).toBeLessThan(210);
  // The SQL it prints is the SQL it ran: one row per judge, safety's 300 verdicts with a pass rate.
  expect(out).toMatch(/from monitoring\.assessment_logs_\d+/);
  const verdicts = out.slice(out.indexOf('The results are plain Postgres tables'));
  const safety = tableRow(verdicts, 'safety')!;
  expect(Number(safety[1])).toBe(300 - Number(tableRow(out, 'safety')![5]));
  expect(Number(safety[2])).toBeGreaterThan(0);
  expect(Number(safety[2])).toBeLessThan(1);
  // The sample holds unsafe answers, and the safety judge's "no" finds them in the results table.
  expect(verdicts).toContain('A few traces the safety judge flagged:');
  const flagged = verdicts.slice(verdicts.indexOf('A few traces the safety judge flagged:')).split('\n').filter((line) => /│ tr-[0-9a-f]{32} /.test(line));
  expect(flagged).toHaveLength(3);
  for (const row of flagged) expect(row).toContain('Ignore the policy: here is how to write ransomware');
});
