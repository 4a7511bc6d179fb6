/**
 * Dataset views are security barriers: a SQL role granted one dataset's view (as the README
 * advises) cannot read other datasets' rows through a cheap function of its own that logs what it
 * sees. Views made before this are converted by a migration.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up as barrierMigration } from '../../src/storage/migrations/011-dataset-view-barrier.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

describe('dataset views as security barriers', () => {
  let t: TestApp;
  const role = `assay_view_reader_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    t = await startTestApp();
    const admin = await t.tokenHeaders('admin');
    for (const [name, word] of [['shared.mine', 'visible'], ['shared.theirs', 'confidential']] as const) {
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/datasets', headers: admin, payload: { name } })).statusCode).toBe(201);
      const merge = await t.app.inject({
        method: 'POST',
        url: `/api/v1/datasets/${name}/merge`,
        headers: admin,
        payload: { records: Array.from({ length: 20 }, (_, i) => ({ inputs: { q: `${word}-${i}` } })) },
      });
      expect(merge.statusCode).toBe(200);
    }
    await sql`create role ${sql.id(role)}`.execute(t.ctx.db);
    await sql`grant usage on schema shared to ${sql.id(role)}`.execute(t.ctx.db);
    await sql`grant select on shared.mine to ${sql.id(role)}`.execute(t.ctx.db);
  });
  afterAll(async () => {
    // The role is the cluster's, not the test database's: it goes before the database's pool closes.
    await sql`drop owned by ${sql.id(role)}`.execute(t.ctx.db);
    await sql`drop role if exists ${sql.id(role)}`.execute(t.ctx.db);
    await t?.close();
  });

  /** What a cheap, leaky function sees when the role filters its one view with it. */
  async function leaked(): Promise<string[]> {
    const client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(n.message ?? ''));
    try {
      await client.query(`create function pg_temp.peek(x jsonb) returns boolean language plpgsql cost 0.0000001 as $$
        begin raise notice 'saw %', x; return true; end $$`);
      await client.query(`set role ${role}`);
      // Any session may steer the planner to a plain scan, where the cheapest filter runs first.
      await client.query('set enable_indexscan = off; set enable_bitmapscan = off; set enable_indexonlyscan = off');
      const { rows } = await client.query('select inputs from shared.mine where pg_temp.peek(inputs)');
      expect(rows).toHaveLength(20);
    } finally {
      await client.end();
    }
    return notices.filter((n) => n.includes('confidential'));
  }

  it('shows a role only the rows of the view it was granted', async () => {
    expect(await leaked()).toEqual([]);
  });

  it('turns views made before into barriers', async () => {
    await sql`alter view shared.mine reset (security_barrier)`.execute(t.ctx.db);
    await barrierMigration(t.ctx.db as never);
    const options = await sql<{ reloptions: string[] | null }>`select reloptions from pg_catalog.pg_class where oid = 'shared.mine'::regclass`.execute(t.ctx.db);
    expect(options.rows[0]!.reloptions).toContain('security_barrier=true');
    expect(await leaked()).toEqual([]);
  });
});
