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
