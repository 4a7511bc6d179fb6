/** A small multi-series line chart over time, drawn with uPlot. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { timeRange } from '../lib/chart-range';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];

export interface LineSeries {
  label: string;
  values: Array<number | null>;
  /** The legend's value in this series' own unit; default: the chart's `format`. */
  format?: (v: number) => string;
}

interface Props {
  /** Seconds since the epoch. */
  times: number[];
  series: LineSeries[];
  label: string;
  format?: (v: number) => string;
  height?: number;
  bars?: boolean;
  /** The x range in seconds (the selected time range); default: the data's. */
  xRange?: [number, number] | undefined;
  /** A fixed y range, e.g. [0, 1] for rates. */
  yRange?: [number, number] | undefined;
}

export function LineChart({ times, series, label, format = (v) => String(Math.round(v * 100) / 100), height = 160, bars = false, xRange, yRange }: Props) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const width = Math.max(280, el.current.parentElement?.clientWidth ?? 480);
    const plot = new uPlot(
      {
        width,
        height,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: {
          // At least a minute across: points seconds apart (runs started one after another) get
          // ticks in seconds, not labels in milliseconds; one point sits in the middle of it.
          x: { time: true, range: () => xRange ?? timeRange(times, 60) },
          y: yRange ? { range: yRange } : { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
        },
        axes: [
          { stroke: '#4b5563', grid: { stroke: '#eef0f3' } },
          { stroke: '#4b5563', grid: { stroke: '#eef0f3' }, size: 72, values: (_u, ticks) => ticks.map((t) => format(t)) },
        ],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            points: { show: true, size: 4 },
            ...(bars ? { paths: uPlot.paths.bars!({ size: [0.6, 40] }), fill: `${COLORS[i % COLORS.length]}55` } : {}),
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : (s.format ?? format)(v)),
          })),
        ],
      },
      [times, ...series.map((s) => s.values)],
      el.current,
    );
    return () => plot.destroy();
  }, [times, series, format, height, bars, xRange, yRange]);
  return <div ref={el} className="chart" role="img" aria-label={label} />;
}
