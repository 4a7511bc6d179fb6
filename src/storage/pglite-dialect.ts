/**
 * A kysely dialect over embedded PGlite.
 *
 * PGlite is one Postgres backend in this process: there is exactly one connection. Kysely may ask
 * for several (a transaction holds one while other code runs), so connections are handed out one at
 * a time; a second caller waits until the first releases. Code must therefore never query through
 * `db` while it holds a transaction, or it waits on itself — the same rule as a pool of size one.
 * The turns come from a `SessionGate` shared with the SQL port's clients (see sql-port.ts), so
 * Assay's transactions and theirs never interleave on the one backend.
 */
import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { SessionGate, type GateTurn } from './session-gate.ts';

export class PGliteDialect implements Dialect {
  constructor(
    private readonly pglite: PGlite,
    private readonly gate: SessionGate = new SessionGate(),
  ) {}

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pglite, this.gate);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

class PGliteDriver implements Driver {
  private readonly connection: PGliteConnection;
  private turn: GateTurn | undefined;

  constructor(
    private readonly pglite: PGlite,
    private readonly gate: SessionGate,
  ) {
    this.connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    this.turn = await this.gate.acquire('assay');
    // Session settings are the backend's, shared with SQL port clients: whatever a client SET
    // (search_path, DateStyle, default_transaction_read_only, …) must not change Assay's queries.
    if (this.gate.previous !== undefined && this.gate.previous !== 'assay') {
      try {
        await this.pglite.exec('reset all');
      } catch (error) {
        this.turn.release();
        this.turn = undefined;
        throw error;
      }
    }
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const level = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await connection.executeQuery(CompiledQuery.raw(`begin${level}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    const turn = this.turn;
    this.turn = undefined;
    turn?.release();
  }

  async destroy(): Promise<void> {
    // Waits for whoever holds the backend (a transaction of Assay's, a client's) to finish.
    (await this.gate.acquire('assay')).release();
  }
}

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (compiled.parameters.length === 0 && compiled.sql.includes(';')) {
      // Several statements (a migration): only the simple protocol takes them.
      const results = await this.pglite.exec(compiled.sql);
      return { rows: (results.at(-1)?.rows ?? []) as R[] };
    }
    const result = await this.pglite.query<R>(compiled.sql, [...compiled.parameters]);
    const kind = compiled.query.kind;
    const changes = kind === 'InsertQueryNode' || kind === 'UpdateQueryNode' || kind === 'DeleteQueryNode';
    return {
      rows: result.rows,
      ...(changes || result.affectedRows ? { numAffectedRows: BigInt(result.affectedRows ?? 0) } : {}),
    };
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not stream; page through results instead');
  }
}
