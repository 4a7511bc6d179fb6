/** Judge–human agreement of the experiment: every feedback name both a judge and a person gave. */
import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../api/client';

/** The time range as epoch ms bounds; absent bounds are open. */
export interface Bounds {
  from?: number;
  to?: number;
}

async function agreement(experimentId: string, bounds: Bounds) {
  const query = {
    max_disagreements: 500,
    ...(bounds.from !== undefined ? { start_time: new Date(bounds.from).toISOString() } : {}),
    ...(bounds.to !== undefined ? { end_time: new Date(bounds.to).toISOString() } : {}),
  };
  return ok(await api.GET('/api/v1/experiments/{id}/judge-agreement', { params: { path: { id: experimentId }, query } }));
}

export type JudgeAgreement = Awaited<ReturnType<typeof agreement>>['judges'][number];
export type Disagreement = JudgeAgreement['disagreements'][number];

/** Agreement on the traces whose request time is in the range. */
export function useJudgeAgreement(experimentId: string, bounds: Bounds) {
  return useQuery({ queryKey: ['judge-agreement', experimentId, bounds], queryFn: () => agreement(experimentId, bounds), enabled: Boolean(experimentId) });
}

/** A share as a percentage with one decimal, or — when there is none. */
export function percent(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`;
}

/** Kappa to two decimals with Landis and Koch's reading of it. */
export function kappaText(k: number | null): string {
  if (k === null) return '—';
  const reading = k < 0 ? 'worse than chance' : k <= 0.2 ? 'slight' : k <= 0.4 ? 'fair' : k <= 0.6 ? 'moderate' : k <= 0.8 ? 'substantial' : 'almost perfect';
  return `${k.toFixed(2)} (${reading})`;
}

export function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
