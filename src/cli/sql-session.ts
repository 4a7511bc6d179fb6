/**
 * `assay sql` with no statement at a terminal (or with --interactive): statements typed one after
 * another, each ended by `;`, each run and printed as `assay sql "…"` would; a refused statement
 * prints its error and the session goes on. `\q` (or end of input) ends it.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { formatRows, type SqlFormat } from './sql-output.ts';

/** Runs one statement and prints its result; returns false when the statement was refused. */
export type RunStatement = (text: string) => Promise<boolean>;

export async function sqlSession(run: RunStatement, io: { input: Readable; output: Writable; terminal: boolean }): Promise<{ statements: number; failed: number }> {
  const lines = createInterface({ input: io.input, output: io.output, terminal: io.terminal });
  const prompt = (continuing: boolean) => {
    if (io.terminal) io.output.write(continuing ? 'assay-> ' : 'assay=> ');
  };
  if (io.terminal) io.output.write('Type SQL ending with ; to run it, \\q to quit.\n');
  let pending = '';
  let statements = 0;
  let failed = 0;
  prompt(false);
  for await (const line of lines) {
    if (pending === '' && /^\s*(\\q|quit|exit)\s*;?\s*$/i.test(line)) break;
    pending += `${line}\n`;
    if (line.trimEnd().endsWith(';')) {
      const text = pending.trim();
      pending = '';
      statements += 1;
      if (!(await run(text))) failed += 1;
    }
    prompt(pending !== '');
  }
  lines.close();
  // Input that ended without a final `;` still runs, as psql -f would.
  if (pending.trim() !== '') {
    statements += 1;
    if (!(await run(pending.trim()))) failed += 1;
  }
  return { statements, failed };
}

/** What `assay sql` prints for a result: the rows in the format asked, and a count on stderr for tables. */
export async function printResult(
  result: { fields: string[]; rows: unknown[][]; command: string; rowCount: number | null },
  format: SqlFormat,
): Promise<void> {
  process.stdout.write(await formatRows(format, result.fields, result.rows));
  if (format === 'table') {
    console.error(result.fields.length ? `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})` : `${result.command} ${result.rowCount ?? ''}`.trim());
  }
}
