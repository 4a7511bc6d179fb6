/**
 * `assay sql --interactive`: statements read one after another, each ended by `;`, each printed as
 * `assay sql "…"` prints it; a refused statement shows its error and the session goes on; `\q` ends
 * it. Against a Postgres database of the test's own (DATABASE_URL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { runAssay } from '../support/spawn-assay.ts';

describe('assay sql, interactive', () => {
  let db: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    env = { DATABASE_URL: db.url!, ASSAY_LOG_LEVEL: 'silent' };
  });
  afterAll(async () => db?.drop());

  it('runs each statement as it ends, goes on after an error, and stops at \\q', async () => {
    const input = ['select 1 as a,', '  2 as b;', 'select nope;', "select 'three' as c;", '\\q', 'select 4 as never;', ''].join('\n');
    const session = await runAssay(['sql', '--interactive'], env, input);
    // A statement failed, so a script fed to the session learns it from the exit code.
    expect(session.code).toBe(1);
    expect(session.stdout).toMatch(/│ a +│ b +│[\s\S]*│ 1 +│ 2 +│/);
    expect(session.stdout).toMatch(/│ c +│[\s\S]*│ three +│/);
    expect(session.stdout).not.toContain('never');
    expect(session.stderr).toContain('ERROR:  column "nope" does not exist (SQLSTATE 42703)');
    expect(session.stderr).toContain('LINE 1: select nope;');
    expect(session.stderr.match(/\(1 row\)/g)).toHaveLength(2);
  });

  it('keeps read-only unless --write, and runs a last statement that lacks its ;', async () => {
    const refused = await runAssay(['sql', '-i'], env, 'create table public.notes (n int);\n');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('add --write');
    const written = await runAssay(['sql', '-i', '--write', '--format', 'json'], env, 'create table public.notes (n int);\ninsert into public.notes values (1), (2);\nselect sum(n)::int as total from public.notes');
    expect(written.code, written.stderr).toBe(0);
    expect(JSON.parse(written.stdout.slice(written.stdout.lastIndexOf('[')))).toEqual([{ total: 3 }]);
  });
});
