/** A scorer's pass rate (or mean) over time with its 95% band, drawn with uPlot. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { timeRange } from '../lib/chart-range';

export interface TrendSeries {
  scorer: string;
  kind: 'pass_rate' | 'mean';
  /** Seconds since the epoch. */
  times: number[];
  values: Array<number | null>;
  lows: Array<number | null>;
  highs: Array<number | null>;
  ns: number[];
  /** Failed judge calls per point, where known. */
  errors?: number[];
}

const BLUE = '#2563eb';
/** Up to this many points each gets an error bar; past it the shaded band says the same, less cluttered. */
const MAX_ERROR_BARS = 40;

/** Each point's interval as a vertical bar with caps: a band needs two points, one run still has an interval. */
function drawErrorBars(u: uPlot): void {
  const [times, , lows, highs] = u.data as unknown as [number[], unknown, Array<number | null>, Array<number | null>];
  if (times.length > MAX_ERROR_BARS) return;
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = 'rgba(37,99,235,0.6)';
  ctx.lineWidth = 1.5 * devicePixelRatio;
  const cap = 4 * devicePixelRatio;
  times.forEach((t, i) => {
    const low = lows[i];
    const high = highs[i];
    if (low === null || low === undefined || high === null || high === undefined) return;
    const x = u.valToPos(t, 'x', true);
    const y1 = u.valToPos(low, 'y', true);
    const y2 = u.valToPos(high, 'y', true);
    ctx.beginPath();
    ctx.moveTo(x, y1);
    ctx.lineTo(x, y2);
    ctx.moveTo(x - cap, y1);
    ctx.lineTo(x + cap, y1);
    ctx.moveTo(x - cap, y2);
    ctx.lineTo(x + cap, y2);
    ctx.stroke();
  });
  ctx.restore();
}

/** `minSpan`: the narrowest x range in seconds (an hour per run, more per hour bucket). */
export function TrendChart({ series, minSpan = 3600 }: { series: TrendSeries; minSpan?: number }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const width = Math.max(320, el.current.parentElement?.clientWidth ?? 520);
    const percent = series.kind === 'pass_rate';
    const fmt = (v: number | null) => (v === null ? '—' : percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(2));
    const [xMin, xMax] = timeRange(series.times, minSpan);
    const plot = new uPlot(
      {
        width,
        height: 180,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: true, range: () => [xMin, xMax] },
          y: percent ? { range: [0, 1] } : { auto: true },
        },
        axes: [
          { stroke: '#4b5563', grid: { stroke: '#eef0f3' } },
          { stroke: '#4b5563', grid: { stroke: '#eef0f3' }, values: (_u, ticks) => ticks.map((t) => (percent ? `${Math.round(t * 100)}%` : String(t))) },
        ],
        series: [
          {},
          { label: percent ? 'pass rate' : 'mean', stroke: BLUE, width: 2, points: { show: true, size: 7, fill: BLUE }, value: (_u, v) => fmt(v) },
          { label: 'low', stroke: 'rgba(37,99,235,0.25)', points: { show: false }, value: (_u, v) => fmt(v) },
          { label: 'high', stroke: 'rgba(37,99,235,0.25)', points: { show: false }, value: (_u, v) => fmt(v) },
        ],
        bands: [{ series: [3, 2], fill: 'rgba(37,99,235,0.12)' }],
        hooks: { draw: [drawErrorBars] },
      },
      [series.times, series.values, series.lows, series.highs],
      el.current,
    );
    return () => plot.destroy();
  }, [series, minSpan]);
  return <div ref={el} className="chart" role="img" aria-label={`${series.scorer}: ${series.kind === 'pass_rate' ? 'pass rate' : 'mean'} over time with a 95% band`} />;
}
