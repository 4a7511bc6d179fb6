/** Judge–human agreement for an experiment: every feedback name a judge and a person both gave. */
import { computeAgreement, type Agreement } from '../domain/agreement.ts';
import type { Db } from '../storage/connect.ts';
import { getExperiment } from '../storage/experiment-repository.ts';
import { loadFeedbackPairs } from '../storage/feedback-pair-repository.ts';

/** Agreement per feedback name (all names with pairs, or just `name`, which may have none). */
export async function experimentAgreement(db: Db, experimentId: string, name?: string): Promise<Agreement[]> {
  const experiment = Number((await getExperiment(db, experimentId)).experiment_id);
  const pairs = await loadFeedbackPairs(db, experiment, name);
  if (name !== undefined) return [computeAgreement(name, pairs.get(name) ?? [])];
  return [...pairs].map(([pairName, list]) => computeAgreement(pairName, list));
}
