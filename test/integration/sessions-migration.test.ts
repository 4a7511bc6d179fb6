/**
 * Migration 015 on a database that already holds traces: the session and user columns are filled
 * from metadata, and from span attributes where the metadata never named them.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as sessions from '../../src/storage/migrations/015-sessions.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('postgres');
  // Back to the schema before 015, with traces stored by the ingest of that time.
  await sessions.down(database.db as never);
  await sql`
    insert into assay.experiment (experiment_id, name) values (1, 'old');
    insert into assay.trace (trace_id, experiment_id, request_time, state, trace_metadata) values
      ('tr-meta', 1, 1000, 'OK', '{"mlflow.trace.session": "s-meta", "mlflow.trace.user": "u-meta"}'),
      ('tr-span', 1, 2000, 'OK', '{}'),
      ('tr-both', 1, 3000, 'OK', '{"mlflow.trace.session": "s-stated"}'),
      ('tr-none', 1, 4000, 'OK', '{"other": "x"}');
    -- Spans carry their trace's partition key (migration 018): the same statement's now().
    insert into assay.span (trace_id, span_id, name, span_type, status_code, start_time_ns, attributes, trace_created_at) values
      ('tr-span', 'a', 'root', 'CHAIN', 'OK', 1, '{"session.id": "s-span"}', now()),
      ('tr-span', 'b', 'child', 'LLM', 'OK', 2, '{"user.id": "u-span"}', now()),
      ('tr-both', 'a', 'root', 'CHAIN', 'OK', 1, '{"session.id": "s-ignored", "user.id": "u-both"}', now()),
      ('tr-none', 'a', 'root', 'CHAIN', 'OK', 1, '{"mlflow.spanType": "CHAIN"}', now());
  `.execute(database.db);
  await sessions.up(database.db as never);
});
afterAll(async () => database?.drop());

it('fills session and user for traces stored before it', async () => {
  const rows = await database.db
    .selectFrom('assay.trace')
    .select(['trace_id', 'session_id', 'user_id', 'trace_metadata'])
    .orderBy('trace_id')
    .execute();
  expect(rows.map((r) => [r.trace_id, r.session_id, r.user_id])).toEqual([
    ['tr-both', 's-stated', 'u-both'],
    ['tr-meta', 's-meta', 'u-meta'],
    ['tr-none', null, null],
    ['tr-span', 's-span', 'u-span'],
  ]);
  expect(rows.find((r) => r.trace_id === 'tr-span')?.trace_metadata).toEqual({ 'mlflow.trace.session': 's-span', 'mlflow.trace.user': 'u-span' });
  expect(rows.find((r) => r.trace_id === 'tr-none')?.trace_metadata).toEqual({ other: 'x' });
});
