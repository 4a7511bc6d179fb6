/**
 * `assay sql "select …"`: one SQL statement against Assay's database in either mode — the Postgres
 * of DATABASE_URL, or the embedded database through the SQL port of a running Assay
 * (ASSAY_SQL_PORT). Read-only unless --write; prints a table, JSON or CSV.
 */
import type { Command } from 'commander';
import { loadConfig, type Config } from '../../config/index.ts';

interface SqlOptions {
  write?: boolean;
  format: string;
  file?: string;
}

const FORMATS = ['table', 'json', 'csv'] as const;

export function registerSql(program: Command): void {
  program
    .command('sql')
    .description('run one SQL statement on the results tables and dataset views (read-only unless --write)')
    .argument('[statement]', 'the SQL statement; or --file, or standard input')
    .option('--write', 'allow statements that change data (several statements, committed)')
    .option('--format <format>', `output: ${FORMATS.join(', ')}`, 'table')
    .option('-f, --file <path>', 'read the statement from a file')
    .addHelpText(
      'after',
      `
Embedded mode (no DATABASE_URL): connects to the running Assay's SQL port, 127.0.0.1:ASSAY_SQL_PORT
(5433); psql works there too: psql -h 127.0.0.1 -p 5433 -U postgres

Examples:
  assay sql "select name, count(*), avg(numeric_value) from monitoring.assessment_logs_1 group by name"
  assay sql --format csv "select * from monitoring.trace_logs_1" > traces.csv`,
    )
    .action(async (statement: string | undefined, options: SqlOptions) => {
      if (!(FORMATS as readonly string[]).includes(options.format)) {
        throw new Error(`--format: '${options.format}' is not one of ${FORMATS.join(', ')}`);
      }
      const text = (await readStatement(statement, options.file)).trim();
      if (!text) throw new Error('no SQL statement given: pass it as an argument, with --file, or on standard input');
      const config = loadConfig();
      const { runUserSql, describeSqlError, UserSqlError, SqlConnectError } = await import('../storage/user-sql.ts');
      const url = config.databaseUrl ?? embeddedUrl(config);
      try {
        const result = await runUserSql(url, text, { write: options.write ?? false });
        const { formatRows } = await import('./sql-output.ts');
        process.stdout.write(await formatRows(options.format as (typeof FORMATS)[number], result.fields, result.rows));
        if (options.format === 'table') {
          console.error(result.fields.length ? `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})` : `${result.command} ${result.rowCount ?? ''}`.trim());
        }
      } catch (error) {
        if (error instanceof UserSqlError) {
          console.error(describeSqlError(error, text));
          process.exitCode = 1;
          return;
        }
        if (error instanceof SqlConnectError) {
          throw new Error(
            config.databaseUrl
              ? `cannot connect to DATABASE_URL: ${error.message}`
              : `cannot reach the embedded database on 127.0.0.1:${config.sqlPort} (ASSAY_SQL_PORT): ${error.message}. ` +
                  'Is Assay running (npm start)? It serves its embedded database there while it runs.',
            { cause: error },
          );
        }
        throw error;
      }
    });
}

function embeddedUrl(config: Config): string {
  if (config.sqlPort === undefined) {
    throw new Error('ASSAY_SQL_PORT is off, so the embedded database is not served: set it (default 5433) and restart Assay, or set DATABASE_URL');
  }
  return `postgres://postgres@127.0.0.1:${config.sqlPort}/postgres`;
}

async function readStatement(statement: string | undefined, file: string | undefined): Promise<string> {
  if (statement !== undefined && file !== undefined) throw new Error('give the statement as an argument or with --file, not both');
  if (statement !== undefined) return statement;
  const { readFile } = await import('node:fs/promises');
  if (file !== undefined) return readFile(file, 'utf8');
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
