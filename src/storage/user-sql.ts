/**
 * A user's own SQL statement (`assay sql`), run over the Postgres protocol against either mode:
 * the Postgres of DATABASE_URL, or the embedded database through its SQL port.
 *
 * Read-only unless asked otherwise: the statement runs alone (extended protocol, so it cannot carry
 * a second statement) inside `BEGIN READ ONLY`, after a first query has fixed the transaction's
 * snapshot (from then on `SET TRANSACTION READ WRITE` is refused), and the transaction is rolled
 * back. With `write`, the text runs as given (several statements allowed) and commits.
 */
import pg from 'pg';

export interface UserSqlResult {
  /** Column names, in order. */
  readonly fields: string[];
  /** Rows as arrays, one value per field: numbers, booleans, parsed JSON, or Postgres' text. */
  readonly rows: unknown[][];
  /** The command tag's verb, e.g. SELECT, INSERT. */
  readonly command: string;
  readonly rowCount: number | null;
}

/** A statement Postgres refused, with what psql would show. */
export class UserSqlError extends Error {
  constructor(
    message: string,
    /** SQLSTATE, e.g. 42601 (syntax error); 25006 when a write was refused in read-only mode. */
    readonly sqlState: string | undefined,
    /** 1-based character offset of the error in the statement, when Postgres gave one. */
    readonly position: number | undefined,
    /** True when the statement tried to change data without `write`. */
    readonly refusedWrite: boolean,
  ) {
    super(message);
    this.name = 'UserSqlError';
  }
}

/** The database could not be reached at all. */
export class SqlConnectError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'SqlConnectError';
  }
}

const { builtins } = pg.types;
const NUMBERS = new Set<number>([builtins.INT2, builtins.INT4, builtins.OID, builtins.FLOAT4, builtins.FLOAT8]);

/** Values a script can use as they are; everything else stays as Postgres wrote it. */
const types = {
  getTypeParser: (oid: number) => (text: string): unknown => {
    if (NUMBERS.has(oid)) return Number(text);
    if (oid === builtins.INT8) return Number.isSafeInteger(Number(text)) ? Number(text) : text;
    if (oid === builtins.NUMERIC) return Number.isFinite(Number(text)) ? Number(text) : text;
    if (oid === builtins.BOOL) return text === 't';
    if (oid === builtins.JSON || oid === builtins.JSONB) return JSON.parse(text) as unknown;
    return text;
  },
};

export async function runUserSql(url: string, text: string, options: { write?: boolean } = {}): Promise<UserSqlResult> {
  const client = new pg.Client({ connectionString: url, application_name: 'assay sql', types });
  // A server that goes away mid-query surfaces as the query's error; this keeps it from crashing us.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new SqlConnectError((error as Error).message, { cause: error });
  }
  try {
    if (options.write) {
      const result = await client.query<unknown[]>({ text, rowMode: 'array' });
      return toResult(Array.isArray(result) ? (result as Array<pg.QueryResult<unknown[]>>).at(-1)! : result);
    }
    await client.query('begin transaction read only');
    try {
      await client.query('select 1');
      const result = await client.query<unknown[]>({ text, rowMode: 'array', queryMode: 'extended' } as pg.QueryConfig & { rowMode: 'array' });
      return toResult(result);
    } finally {
      await client.query('rollback').catch(() => {});
    }
  } catch (error) {
    throw toUserSqlError(error, options.write ?? false);
  } finally {
    await client.end().catch(() => {});
  }
}

function toResult(result: pg.QueryResult<unknown[]>): UserSqlResult {
  return {
    fields: (result.fields ?? []).map((f) => f.name),
    rows: result.rows ?? [],
    command: result.command ?? '',
    rowCount: result.rowCount ?? null,
  };
}

function toUserSqlError(error: unknown, write: boolean): Error {
  if (!(error instanceof pg.DatabaseError)) return error as Error;
  const refusedWrite = !write && error.code === '25006';
  const position = error.position ? Number(error.position) : undefined;
  return new UserSqlError(error.message, error.code, position, refusedWrite);
}

/** psql's way of pointing at an error: the statement's line and a caret under the position. */
export function describeSqlError(error: UserSqlError, text: string): string {
  const lines = [`ERROR:  ${error.message}${error.sqlState ? ` (SQLSTATE ${error.sqlState})` : ''}`];
  if (error.position !== undefined) {
    const before = text.slice(0, error.position - 1);
    const lineNumber = before.split('\n').length;
    const lineStart = before.lastIndexOf('\n') + 1;
    const lineEnd = text.indexOf('\n', lineStart);
    const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
    const prefix = `LINE ${lineNumber}: `;
    lines.push(`${prefix}${line}`, `${' '.repeat(prefix.length + before.length - lineStart)}^`);
  }
  if (error.refusedWrite) lines.push('assay sql is read-only: add --write to change data');
  return lines.join('\n');
}
