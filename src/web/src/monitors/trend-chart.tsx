/** A scorer's pass rate (or mean) over time with its 95% band, drawn with uPlot. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface TrendSeries {
  scorer: string;
  kind: 'pass_rate' | 'mean';
  /** Seconds since the epoch. */
  times: number[];
  values: Array<number | null>;
  lows: Array<number | null>;
  highs: Array<number | null>;
  ns: number[];
}

export function TrendChart({ series }: { series: TrendSeries }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const width = Math.max(320, el.current.parentElement?.clientWidth ?? 520);
    const percent = series.kind === 'pass_rate';
    const fmt = (v: number | null) => (v === null ? '—' : percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(2));
    const plot = new uPlot(
      {
        width,
        height: 180,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true, range: (_u, min, max) => (min === max ? [min - 3600, max + 3600] : [min, max]) }, y: percent ? { range: [0, 1] } : { auto: true } },
        axes: [
          { stroke: '#4b5563', grid: { stroke: '#eef0f3' } },
          { stroke: '#4b5563', grid: { stroke: '#eef0f3' }, values: (_u, ticks) => ticks.map((t) => (percent ? `${Math.round(t * 100)}%` : String(t))) },
        ],
        series: [
          {},
          { label: percent ? 'pass rate' : 'mean', stroke: '#2563eb', width: 2, points: { show: true, size: 5 }, value: (_u, v) => fmt(v) },
          { label: 'low', stroke: 'rgba(37,99,235,0.25)', value: (_u, v) => fmt(v) },
          { label: 'high', stroke: 'rgba(37,99,235,0.25)', value: (_u, v) => fmt(v) },
        ],
        bands: [{ series: [3, 2], fill: 'rgba(37,99,235,0.12)' }],
      },
      [series.times, series.values, series.lows, series.highs],
      el.current,
    );
    return () => plot.destroy();
  }, [series]);
  return <div ref={el} className="chart" role="img" aria-label={`${series.scorer}: ${series.kind === 'pass_rate' ? 'pass rate' : 'mean'} over time with a 95% band`} />;
}
