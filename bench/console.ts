/**
 * The web console on a large experiment, in headless Chromium on this machine:
 * - console.data: the traces page's data request (first page of 100 with their feedback) over
 *   HTTP, beside the hand-written SQL for the same page;
 * - console.count: the total beside the list (`POST /api/v1/traces/count`, stopped at 10,000),
 *   beside the same capped count in SQL;
 * - console.first_rows: from navigation to the first rows visible on the traces page, beside a
 *   bare page (no framework) that fetches the same request and writes the rows with innerHTML;
 * - console.trace_500: opening a trace of 500 spans until every span row is drawn, beside the same
 *   bare page drawing 500 rows from the same trace request.
 *
 * Alone: `npx tsx bench/console.ts`; with the others: `npm run bench -- console`.
 * BENCH_CONSOLE_TRACES sets the number of traces (default 1000000).
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { webConsoleDir } from '../src/api/web-console.ts';
import { ROOT } from '../test/support/spawn-assay.ts';
import { launchBrowser } from '../test/e2e/browser.ts';
import { msResult, startBenchApp, timeBoth } from './console-app.ts';
import { loadSearchBenchData } from './search-data.ts';
import { round, type BenchResult } from './result.ts';

const RUNS = 9;
const PAGE = 100;
const SPANS = 500;

/** A page with no framework: fetch the same data, write rows with innerHTML. The floor a console can approach. */
const BARE = `<!doctype html><html><body><table id="t"></table><script>
const q = new URLSearchParams(location.search);
const esc = (s) => String(s ?? '').replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' }[c]));
(async () => {
  if (q.get('trace')) {
    const t = await (await fetch('/api/v1/traces/' + q.get('trace'))).json();
    document.getElementById('t').innerHTML = t.data.spans.map((s) => '<tr class="row"><td>' + esc(s.name) + '</td><td>' + esc(s.span_type) + '</td></tr>').join('');
  } else {
    const r = await (await fetch('/api/v1/traces/search', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_ids: [q.get('exp')], max_results: ${PAGE} }) })).json();
    document.getElementById('t').innerHTML = r.traces.map((t) => '<tr class="row"><td>' + esc(t.request_time) + '</td><td>' + esc(t.trace_id) + '</td><td>' + esc(t.request_preview) + '</td></tr>').join('');
  }
})();
</script></body></html>`;

export async function run(): Promise<BenchResult[]> {
  const count = Number(process.env.BENCH_CONSOLE_TRACES ?? 1_000_000);
  if (!webConsoleDir()) execFileSync('npm', ['run', 'build:web'], { cwd: ROOT, stdio: 'ignore' });
  const bench = await startBenchApp();
  const { db, url } = bench;
  const browser = await launchBrowser();
  try {
    console.error(`loading ${count} traces…`);
    const experimentId = await loadSearchBenchData(db, count);
    const traceId = await ingestWideTrace(url, experimentId);
    const results: BenchResult[] = [];

    // The data request against the hand-written SQL of the same page.
    const body = JSON.stringify({ experiment_ids: [String(experimentId)], max_results: PAGE });
    const request = async () => {
      const response = await fetch(`${url}/api/v1/traces/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await response.json();
    };
    const handWritten = async () => {
      await sql`select t.*, coalesce((select json_agg(a order by a.create_time, a.assessment_id) from assay.assessment a
          where a.trace_id = t.trace_id and a.valid), '[]'::json) as assessments
        from assay.trace t where t.experiment_id = ${experimentId}
        order by t.request_time desc, t.trace_id limit ${PAGE + 1}`.execute(db);
    };
    const data = await timeBoth(request, handWritten, 31);
    results.push(msResult('console.data', data, 'value < 100 ms (the baseline is the SQL alone, without HTTP and JSON)', { traces: count, page: PAGE }));

    // The total beside the list: a count stopped at 10,000, beside the same capped count in SQL.
    const countBody = JSON.stringify({ experiment_ids: [String(experimentId)] });
    const countRequest = async () => {
      const response = await fetch(`${url}/api/v1/traces/count`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: countBody });
      await response.json();
    };
    const countSql = async () => {
      await sql`select count(*) from (select 1 from assay.trace t where t.experiment_id = ${experimentId} limit 10001) m`.execute(db);
    };
    const counted = await timeBoth(countRequest, countSql, 31);
    results.push(msResult('console.count', counted, 'value < 100 ms (the baseline is the SQL alone)', { traces: count, limit: 10_000 }));

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.route(`${url}/__bare*`, (route) => route.fulfill({ contentType: 'text/html', body: BARE }));
    const firstRows = await timeBoth(
      () => visible(page, `${url}/traces?exp=${experimentId}`, 'table.traces tbody tr[data-index]', 1),
      () => visible(page, `${url}/__bare?exp=${experimentId}`, 'tr.row', 1),
      RUNS,
    );
    results.push(msResult('console.first_rows', firstRows, '<= 4 (and value < 1500 ms)', { traces: count, page: PAGE }));

    const wide = await timeBoth(
      () => visible(page, `${url}/traces/${traceId}?exp=${experimentId}`, '.span-row', SPANS),
      () => visible(page, `${url}/__bare?trace=${traceId}`, 'tr.row', SPANS),
      RUNS,
    );
    results.push(msResult('console.trace_500', wide, '<= 4 (and value < 1000 ms)', { spans: SPANS }));
    results.push({ name: 'console.first_page_gzip', value: firstPageGzipKb(), unit: 'KB', baseline: null, ratio: null, aim: '< 400 KB', params: {} });
    await context.close();
    return results;
  } finally {
    await browser.close();
    await bench.close();
  }
}

/** Navigates with an empty cache and waits until `count` elements match `selector`. */
async function visible(page: Page, target: string, selector: string, count: number): Promise<void> {
  await page.context().clearCookies();
  await page.goto('about:blank');
  await page.goto(target, { waitUntil: 'commit' });
  try {
    await page.waitForFunction(([s, n]) => document.querySelectorAll(s as string).length >= (n as number), [selector, count] as const, { polling: 'raf', timeout: 30_000 });
  } catch (error) {
    await page.screenshot({ path: `${ROOT}/scratch/bench-console-timeout.png` }).catch(() => {});
    throw new Error(`${target}: ${selector} ×${count} not visible: ${String(error)}\n${(await page.content()).slice(0, 2000)}`);
  }
}

/** One trace of 500 spans: a root with 499 children of alternating types. */
async function ingestWideTrace(url: string, experimentId: number): Promise<string> {
  const traceHex = 'ab'.repeat(16);
  const start = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: SPANS }, (_, i) => ({
    trace_id: traceHex,
    span_id: i.toString(16).padStart(16, '0'),
    parent_span_id: i === 0 ? null : (i < 50 ? 0 : 1 + (i % 49)).toString(16).padStart(16, '0'),
    name: i === 0 ? 'agent' : `step_${i}`,
    start_time_unix_nano: (start + BigInt(i) * 1_000_000n).toString(),
    end_time_unix_nano: (start + BigInt(i + 20) * 1_000_000n).toString(),
    status: { code: 'STATUS_CODE_OK', message: '' },
    events: [],
    attributes: { 'mlflow.spanType': JSON.stringify(['CHAIN', 'LLM', 'RETRIEVER', 'TOOL'][i % 4]), 'mlflow.spanInputs': JSON.stringify({ step: i }), 'mlflow.spanOutputs': JSON.stringify({ ok: true }) },
  }));
  const trace = {
    info: { trace_id: `tr-${traceHex}`, request_time: new Date().toISOString(), execution_duration_ms: SPANS + 20, state: 'OK', trace_metadata: {}, tags: {}, assessments: [] },
    data: { spans },
  };
  const response = await fetch(`${url}/api/v1/experiments/${experimentId}/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(trace) });
  if (!response.ok) throw new Error(`ingest of the wide trace failed: ${await response.text()}`);
  return `tr-${traceHex}`;
}

/** Gzipped size of what the traces page loads first: index.html, the entry script and style, the traces chunk. */
function firstPageGzipKb(): number {
  const out = execFileSync('sh', ['-c', `cd "${webConsoleDir()}" && for f in index.html assets/index-*.js assets/index-*.css assets/traces-page-*.js assets/queries-*.js assets/verdict-chip-*.js; do [ -f "$f" ] && gzip -c "$f" | wc -c; done`], { encoding: 'utf8' });
  return round(out.trim().split('\n').reduce((n, s) => n + Number(s), 0) / 1024, 1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await run();
  console.log(JSON.stringify(results, null, 2));
}
