/**
 * Thousands of random and hostile filter strings (and order_by items, page tokens): the search
 * answers 200 or a 400 in the parser's words, never a 500 or a database error, and the database
 * is exactly as it was afterwards. One test file per database (search-fuzz.test.ts on Postgres,
 * search-fuzz-pglite.test.ts on PGlite), so the two run side by side in the suite.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { loadSearchFixture } from '../support/search-fixture.ts';

const IDENTIFIERS = [
  'tags.env', 'metadata.user', 'name', 'run_id', 'text', 'status', 'request_id', 'client_request_id', 'timestamp_ms',
  'execution_time', 'end_time_ms', 'span.name', 'span.type', 'span.status', 'span.content', 'span.attributes.model',
  'feedback.correctness', 'feedback.score', 'expectation.expected_answer', 'tags.`my key`', "tags.'; DROP TABLE assay.trace; --",
  'tags.`a"b`', 'tags.é☕', 'span.attributes.$1', 'metadata.\u202e', 'foo.bar', 'attributes.x', '1', '`', 'tags.a.b.c',
  `tags.${'k'.repeat(5000)}`, '"tags.env"', '*', '--', '/*', 'tags.', 'span.attributes.', 'feedback.`x`y', 'trace.status',
];
const COMPARATORS = [
  '=', '!=', '>', '>=', '<', '<=', 'LIKE', 'ILIKE', 'RLIKE', 'IN', 'NOT IN', 'IS NULL', 'IS NOT NULL', 'like', 'not in',
  'is not null', '==', '<>', '~', '!~', '=~', 'LIKEE', 'NOT', 'IS', 'IS NOT', 'BETWEEN', '', '=!', '>>',
];
const VALUES = [
  "'x'", "'%'", "'_'", `"it's"`, "'\\'", "'\\\\'", "'%\\%'", "''", `'${'a'.repeat(100_000)}'`,
  "'; DROP TABLE assay.trace; --'", "'$1'", "'?'", "':name'", "'\\x00'", "'(('", "'[[:alpha:]]+'", "'(a*)*b'",
  "'a{2,1}'", "'🙂'", "'\u202eevil'", "'\ud800'", "'\u0000'", '0', '-1', '1e308', '1.5', '99999999999999999999', '-0',
  '.5', '1e-400', "('a', 'b')", '()', "('a',)", '(1, 2)', 'prod', 'null', 'NULL', 'true', "'a' || 'b'", '$$x$$',
  "E'\\x41'", "'${'('.repeat(3000)}'", "'(?i)prod'", "'\\m\\M\\y'", "'x{1000}{1000}'",
];
const JOINERS = [' AND ', ' and ', ' OR ', ' ', ';', ' AND AND ', ' && ', ',', ' AND\n\t'];
const NOISE = ["'", '"', '`', '(', ')', ',', ';', '\u0000', '\\', '%', '_', '-', '.', '=', '!', '<', '>', '~', 'é', '☕', '\ud83d', ' '];

/** mulberry32: a seeded generator, so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keys per family with the comparators the spec allows, so well-formed filters reach the database. */
const FAMILIES: Array<[keys: string[], comparators: string[], numeric?: boolean]> = [
  [['request_id', 'status', 'client_request_id'], ['=', '!=', 'IN', 'NOT IN', 'LIKE', 'ILIKE', 'RLIKE']],
  [['timestamp_ms', 'execution_time_ms', 'end_time'], ['=', '!=', '>', '>=', '<', '<='], true],
  [['tags.', 'metadata.', 'feedback.', 'expectation.', 'name', 'run_id'], ['=', '!=', 'LIKE', 'ILIKE', 'RLIKE', 'IS NULL', 'IS NOT NULL']],
  [['span.name', 'span.type', 'span.status'], ['=', '!=', 'IN', 'NOT IN', 'LIKE', 'ILIKE', 'RLIKE']],
  [['span.content', 'text'], ['LIKE', 'ILIKE']],
  [['span.attributes.'], ['=', 'IN', 'LIKE', 'ILIKE', 'RLIKE']],
];
const CONTENTS = [
  "'; DROP TABLE assay.trace; --", '%', '_', '\\\\', '(a*)*b', '[[:alpha:]]+', 'a{2,1}', '(', '🙂', '\u202e', '\ud800',
  'x'.repeat(100_000), '$1', '?', '\\x00', '(?i)prod', '\\m', 'x{1000}{1000}', 'é☕', "it's", 'a"b', '', ' ', '%\\%', 'prod',
  '\\', '^$', '.*', '[', 'a**', '\\', '|', '$$', '%%%%', 'mlflow.traceName', "') OR 1=1 --",
];
const NUMBERS = ['0', '-1', '1e308', '1.5', '99999999999999999999', '-0', '.5', '1e-400', '1700000003000', '9007199254740993', '-9.2e18'];

function quoted(rand: () => number): string {
  const text = CONTENTS[Math.floor(rand() * CONTENTS.length)]!;
  return text.includes("'") ? `"${text}"` : `'${text}'`;
}

function wellFormed(rand: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const [keys, comparators, numeric] = pick(FAMILIES);
  let key = pick(keys);
  if (key.endsWith('.')) key += rand() < 0.5 ? pick(['env', 'user', 'correctness', 'model', 'score']) : `\`${quoted(rand).slice(1, -1).replaceAll('`', '')}\``;
  const comparator = pick(comparators);
  if (comparator.startsWith('IS')) return `${key} ${comparator}`;
  if (comparator.endsWith('IN')) return `${key} ${comparator} (${Array.from({ length: 1 + Math.floor(rand() * 3) }, () => quoted(rand)).join(', ')})`;
  return `${key} ${comparator} ${numeric ? pick(NUMBERS) : quoted(rand)}`;
}

function hostileFilter(rand: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const roll = rand();
  if (roll < 0.5) return Array.from({ length: 1 + Math.floor(rand() * 4) }, () => wellFormed(rand)).join(' AND ');
  if (roll < 0.55) return Array.from({ length: 1 + Math.floor(rand() * 60) }, () => pick(NOISE)).join('');
  if (roll < 0.1) return Array.from({ length: 1 + Math.floor(rand() * 60) }, () => pick(NOISE)).join('');
  const count = 1 + Math.floor(rand() * 5);
  let text = Array.from({ length: count }, () => `${pick(IDENTIFIERS)} ${pick(COMPARATORS)} ${pick(VALUES)}`).join(
    rand() < 0.8 ? ' AND ' : pick(JOINERS),
  );
  if (roll > 0.85) {
    // Mutations: a stray character somewhere, or a cut at a random point.
    const at = Math.floor(rand() * text.length);
    text = rand() < 0.5 ? text.slice(0, at) + pick(NOISE) + text.slice(at) : text.slice(0, at);
  }
  return text;
}

const DATABASE_MARKERS = [
  /syntax error at or near/i, /relation "/i, /column "/i, /sqlstate/i, /operator does not exist/i,
  /invalid input syntax/i, /does not exist/i, /function /i, /pg_/i, /internal error/i, /out of range for type/i,
];

/**
 * Runs `check` on every item, `lanes` at a time (the items are generated up front, in seed order, so
 * a failure still replays): Postgres answers several searches at once, so the requests overlap.
 */
async function eachInLanes<T>(items: readonly T[], lanes: number, check: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await check(items[next++]!);
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

/** The fuzz tests on one database: `iterations` random filters, sent `lanes` at a time. */
export function searchFuzz(db: 'postgres' | 'pglite', iterations: number, lanes: number): void {
  describe(`search fuzz on ${db}`, () => {
    let t: TestApp;
    let A: string;

    beforeAll(async () => {
      t = await startTestApp({ db });
      ({ A } = await loadSearchFixture(t.app));
    });
    afterAll(async () => t?.close());

    async function snapshot(): Promise<string> {
      const { rows } = await sql<{ digest: string }>`
        select concat_ws('|',
          (select md5(coalesce(string_agg(t::text, ',' order by trace_id), '')) from assay.trace t),
          (select md5(coalesce(string_agg(s::text, ',' order by trace_id, span_id), '')) from assay.span s),
          (select md5(coalesce(string_agg(a::text, ',' order by assessment_id), '')) from assay.assessment a),
          (select md5(coalesce(string_agg(e::text, ',' order by experiment_id), '')) from assay.experiment e),
          (select count(*) from pg_class)) as digest`.execute(t.database.db);
      return rows[0]!.digest;
    }

    async function expectSafe(body: Record<string, unknown>): Promise<void> {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/traces/search', payload: { experiment_ids: [A], ...body } });
      const context = JSON.stringify(body).slice(0, 300);
      expect([200, 400], context).toContain(res.statusCode);
      if (res.statusCode === 400) {
        const { error_code, message } = res.json() as { error_code: string; message: string };
        expect(error_code, context).toBe('INVALID_PARAMETER_VALUE');
        expect(message, context).toMatch(/^(filter_string|order_by|page_token|max_results): /);
        // Postgres' own words appear only as the reason a regular expression does not compile.
        if (!/Invalid regular expression|RLIKE failed/.test(message)) {
          for (const marker of DATABASE_MARKERS) expect(message, context).not.toMatch(marker);
        }
      }
    }

    it(`answers ${iterations} random and hostile filters with 200 or 400, changing nothing`, async () => {
      const before = await snapshot();
      const rand = random(20261122);
      const filters = Array.from({ length: iterations }, () => hostileFilter(rand));
      await eachInLanes(filters, lanes, (filter_string) => expectSafe({ filter_string }));
      expect(await snapshot()).toBe(before);
      // Thousands of requests: tens of seconds on a busy two-core machine, so more room than the
      // default. A correctness check; its speed is not what it measures.
    }, 240_000);

    it('answers numeric comparisons on tags, metadata and assessments with 200 or 400', async () => {
      const rand = random(20261206);
      const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
      const keys = ['tags.', 'metadata.', 'feedback.', 'expectation.'];
      const names = ['quality_score', 'tokens', 'feedback_score', 'score', 'is_safe', 'env', '`🙂`', '`a"b`', '`\ud800`'];
      const comparators = ['<', '<=', '>', '>=', '=', '!='];
      const filters = Array.from({ length: iterations / 5 }, () =>
        Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
          const value = rand() < 0.8 ? pick(NUMBERS) : quoted(rand);
          return `${pick(keys)}${pick(names)} ${pick(comparators)} ${value}`;
        }).join(' AND '),
      );
      await eachInLanes(filters, lanes, (filter_string) => expectSafe({ filter_string }));
    });

    it('bounds deep AND chains and huge filters', async () => {
      const parts = ["tags.env = 'prod'", 'timestamp_ms > 0', "span.type != 'x'", "feedback.score IS NOT NULL", "name LIKE '%'"];
      const chain = (n: number) => Array.from({ length: n }, (_, i) => parts[i % parts.length]).join(' AND ');
      const ok = await t.app.inject({ method: 'POST', url: '/api/v1/traces/search', payload: { experiment_ids: [A], filter_string: chain(100) } });
      expect(ok.statusCode).toBe(200);
      for (const filter_string of [chain(101), chain(20_000), `tags.env = '${'x'.repeat(1_100_000)}'`]) {
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/traces/search', payload: { experiment_ids: [A], filter_string } });
        expect(res.statusCode).toBe(400);
      }
      await expectSafe({ filter_string: `span.content LIKE '%${'%_'.repeat(50_000)}%'` });
      await expectSafe({ filter_string: `request_id IN (${Array.from({ length: 10_000 }, (_, i) => `'t${i}'`).join(', ')})` });
      await expectSafe({ filter_string: `request_id IN (${Array.from({ length: 10_001 }, (_, i) => `'t${i}'`).join(', ')})` });
    });

    it('answers hostile order_by items and page tokens with 200 or 400', async () => {
      const before = await snapshot();
      const rand = random(7);
      const orderItems = ['tag.\u0000', "tag.'; DROP TABLE assay.trace; --", 'metadata.`x`', 'timestamp_ms sideways', 'ASC', '', ' ', 'tag.', 'name desc desc', '☕'];
      const bodies: Array<Record<string, unknown>> = [];
      for (let i = 0; i < 200; i += 1) {
        const order_by = Array.from({ length: Math.floor(rand() * 3) }, () => orderItems[Math.floor(rand() * orderItems.length)]!);
        const token = Buffer.from(JSON.stringify({ o: 'x', v: [hostileFilter(rand), rand() * 1e20, null] })).toString('base64url');
        bodies.push({ order_by }, { page_token: rand() < 0.5 ? token : hostileFilter(rand) });
      }
      await eachInLanes(bodies, lanes, expectSafe);
      expect(await snapshot()).toBe(before);
    });
  });
}
