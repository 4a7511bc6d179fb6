/**
 * `assay sql "select …"`: one SQL statement against Assay's database in either mode — the Postgres
 * of DATABASE_URL, or the embedded database through the SQL port of a running Assay
 * (ASSAY_SQL_PORT). Read-only unless --write; prints a table, JSON or CSV. With no statement at a
 * terminal (or --interactive), statements are read one after another (src/cli/sql-session.ts).
 */
import type { Command } from 'commander';
import { loadConfig, type Config } from '../../config/index.ts';

interface SqlOptions {
  write?: boolean;
  format: string;
  file?: string;
  interactive?: boolean;
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
    .option('-i, --interactive', 'statements one after another, each ended by ; (the default at a terminal with no statement); \\q quits')
    .addHelpText(
      'after',
      `
At a terminal with no statement, assay sql reads statements one after another, each ended by ;
(\\q quits); a refused one prints its error and the session goes on.

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
      const format = options.format as (typeof FORMATS)[number];
      const interactive = options.interactive || (statement === undefined && options.file === undefined && process.stdin.isTTY === true);
      const text = interactive ? '' : (await readStatement(statement, options.file)).trim();
      if (!interactive && !text) throw new Error('no SQL statement given: pass it as an argument, with --file, or on standard input');
      const config = loadConfig();
      const { runUserSql, describeSqlError, UserSqlError, SqlConnectError } = await import('../storage/user-sql.ts');
      const { printResult, sqlSession } = await import('./sql-session.ts');
      const url = config.databaseUrl ?? embeddedUrl(config);
      /** Runs one statement and prints it; a refused statement prints psql's message and answers false. */
      const run = async (sqlText: string): Promise<boolean> => {
        try {
          await printResult(await runUserSql(url, sqlText, { write: options.write ?? false }), format);
          return true;
        } catch (error) {
          if (error instanceof UserSqlError) {
            console.error(describeSqlError(error, sqlText));
            return false;
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
      };
      if (interactive) {
        const { failed } = await sqlSession(run, { input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true });
        if (failed > 0 && process.stdin.isTTY !== true) process.exitCode = 1;
        return;
      }
      if (!(await run(text))) process.exitCode = 1;
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
