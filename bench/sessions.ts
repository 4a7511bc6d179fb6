/**
 * Sessions on a large experiment: the first page of the sessions list (`listSessions`) beside the
 * hand-written aggregate a person would write for it, and the query a monitoring run uses to find
 * idle sessions (`idleSessions`) beside a plain scan counting the experiment's sessions — both in
 * the same run on the same fresh Postgres database.
 *
 * Alone: `npx tsx bench/sessions.ts`; with the others: `npm run bench -- sessions`.
 * BENCH_SESSIONS_TRACES sets the number of traces (default 200000), five turns per session.
 */
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { idleSessions } from '../src/storage/monitor-session-repository.ts';
import { listSessions } from '../src/storage/session-repository.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { median, round, type BenchResult } from './result.ts';

const RUNS = 15;
const TURNS = 5;

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function timings(work: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 2; i += 1) await work();
  const out: number[] = [];
  for (let i = 0; i < RUNS; i += 1) out.push(await time(work));
  return median(out);
}

export async function run(): Promise<BenchResult[]> {
  const count = Number(process.env.BENCH_SESSIONS_TRACES ?? 200_000);
  const database = await createTestDatabase('postgres');
  const db = database.db;
  try {
    await sql`insert into assay.experiment (experiment_id, name) values (1, 'sessions-bench')`.execute(db);
    await sql`
      insert into assay.trace (trace_id, experiment_id, request_time, execution_duration_ms, state, trace_metadata, created_at)
      select 'tr-' || lpad(to_hex(g), 32, '0'), 1, 1700000000000 + g * 1000, 500, 'OK',
             jsonb_build_object('mlflow.trace.session', 's-' || (g / ${TURNS}), 'mlflow.trace.user', 'u-' || (g % 997)),
             now() - interval '1 hour'
      from generate_series(0, ${count - 1}) g`.execute(db);
    await sql`insert into assay.trace_key (trace_id, retention_class, created_at) select trace_id, retention_class, created_at from assay.trace`.execute(db);
    await sql`analyze assay.trace`.execute(db);
    const sessions = Math.ceil(count / TURNS);

    const list = await timings(() => listSessions(db, 1, { limit: 100 }));
    const listBaseline = await timings(() =>
      sql`select session_id, count(*), min(request_time), max(request_time + coalesce(execution_duration_ms, 0)) as last_time
          from assay.trace where experiment_id = 1 and session_id is not null
          group by session_id order by last_time desc, session_id limit 100`.execute(db),
    );
    const since = new Date(Date.now() - 86_400_000);
    const idle = await timings(() => idleSessions(db, 1, { idleSeconds: 900, since }));
    const idleBaseline = await timings(() => sql`select count(distinct session_id) from assay.trace where experiment_id = 1`.execute(db));
    const params = { traces: count, sessions, turns_per_session: TURNS };
    return [
      {
        name: 'sessions.list',
        value: round(list, 1),
        unit: 'ms',
        baseline: round(listBaseline, 1),
        ratio: round(list / listBaseline),
        aim: '<= 1.5',
        params,
      },
      {
        name: 'sessions.idle',
        value: round(idle, 1),
        unit: 'ms',
        baseline: round(idleBaseline, 1),
        ratio: round(idle / idleBaseline),
        aim: '<= 3 (a full pass over the experiment per run)',
        params,
      },
    ];
  } finally {
    await database.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await run());
  process.exit(0);
}
