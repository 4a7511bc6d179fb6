/** Score trends per scorer (per run or per hour), with the SQL that reads the same numbers from the results table. */
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useMemo, useState } from 'react';
import { rangeBounds, stableNow } from '../lib/time-range';
import type { MonitorSearch } from '../router';
import { useTrends } from './queries';
import { TrendChart, type TrendSeries } from './trend-chart';

export function Trends({ experimentId, live }: { experimentId: string; live: boolean }) {
  const search = useSearch({ from: '/monitor' }) as MonitorSearch;
  const navigate = useNavigate({ from: '/monitor' });
  const bucket = search.bucket ?? 'run';
  const bounds = rangeBounds(search, stableNow(Date.now()));
  const trends = useTrends(experimentId, bucket, bounds, live);
  const [copied, setCopied] = useState(false);
  const series = useMemo(() => {
    const by = new Map<string, TrendSeries>();
    for (const p of trends.data?.points ?? []) {
      let s = by.get(p.scorer);
      if (!s) { s = { scorer: p.scorer, kind: p.kind, times: [], values: [], lows: [], highs: [], ns: [], errors: [] }; by.set(p.scorer, s); }
      s.times.push(Date.parse(p.time) / 1000);
      s.values.push(p.value);
      s.lows.push(p.low);
      s.highs.push(p.high);
      s.ns.push(p.n);
      s.errors?.push(p.errors);
    }
    return [...by.values()];
  }, [trends.data]);

  return (
    <section className="card trends" aria-labelledby="trends-title">
      <div className="card-head">
        <h2 id="trends-title">Score trends</h2>
        <div role="radiogroup" aria-label="Bucket" className="tabs">
          {(['run', 'hour'] as const).map((b) => (
            <button key={b} type="button" role="radio" aria-checked={bucket === b} onClick={() => void navigate({ search: (prev) => ({ ...prev, bucket: b === 'run' ? undefined : b }) })}>
              Per {b}
            </button>
          ))}
        </div>
      </div>
      <p className="muted small">Shaded: 95% interval. Pass/fail scorers use a Wilson interval, so a rate measured on few traces shows a wide band (a bar when there is one point).</p>
      {trends.error && <p className="field-error" role="alert">{trends.error.message}</p>}
      {!trends.isPending && series.length === 0 && (
        <p className="muted">
          {bounds.from !== undefined || bounds.to !== undefined
            ? 'No scores on traces of this time range: pick a wider range, or run the monitor.'
            : 'No scores yet: run the monitor to see its scorers here.'}
        </p>
      )}
      <div className="trend-layout">
        <div className="charts">
          {series.map((s) => {
            const last = s.values.at(-1);
            const lastN = s.ns.at(-1) ?? 0;
            const lastErrors = s.errors?.at(-1) ?? 0;
            return (
              <figure key={s.scorer} className="trend">
                <figcaption>
                  <strong>{s.scorer}</strong>{' '}
                  <span className="muted">
                    {last === null || last === undefined
                      ? 'no verdict'
                      : `${s.kind === 'pass_rate' ? `${(last * 100).toFixed(1)}% pass` : `mean ${last.toFixed(2)}`} on ${lastN} trace${lastN === 1 ? '' : 's'}`}
                    {lastErrors > 0 ? `, ${lastErrors} failed judge call${lastErrors === 1 ? '' : 's'}` : ''}
                    {' (latest)'}
                  </span>
                </figcaption>
                {/* Nothing to draw when every call failed: the caption says so. */}
                {s.values.some((v) => v !== null) && <TrendChart series={s} minSpan={bucket === 'hour' ? 6 * 3600 : 3600} />}
              </figure>
            );
          })}
        </div>
        {trends.data?.sql && (
          <div className="sql">
            <div className="card-head">
              <h3>The same numbers in SQL</h3>
              <button type="button" onClick={() => void navigator.clipboard?.writeText(trends.data!.sql!).then(() => setCopied(true))}>{copied ? 'Copied' : 'Copy'}</button>
            </div>
            <pre className="mono"><code>{trends.data.sql}</code></pre>
          </div>
        )}
      </div>
    </section>
  );
}
