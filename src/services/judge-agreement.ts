/**
 * Judge–human agreement for an experiment: every feedback name a judge and a person both gave, and
 * for guidelines judges the guideline texts their disagreements cluster on.
 */
import { computeAgreement, type Agreement, type FeedbackPair } from '../domain/agreement.ts';
import { guidelineClusters, type GuidelineCluster } from '../domain/guideline-clusters.ts';
import type { MonitorConfig } from '../domain/monitor-config.ts';
import { listOf } from '../scorers/judge-fields.ts';
import { resolveScorerType } from '../scorers/registry.ts';
import type { Db } from '../storage/connect.ts';
import { getExperiment } from '../storage/experiment-repository.ts';
import { loadFeedbackPairs, loadGuidelineExpectations } from '../storage/feedback-pair-repository.ts';
import { findMonitor } from '../storage/monitor-repository.ts';

export interface JudgeAgreement extends Agreement {
  /** Guidelines judges only (empty otherwise): the guideline texts the disagreements cluster on. */
  guideline_clusters: GuidelineCluster[];
}

const GUIDELINE_TYPES = new Set(['guidelines', 'expectations_guidelines']);

/**
 * Agreement per feedback name (all names with pairs, or just `name`, which may have none), on the
 * traces whose request time is in `range` (epoch ms, [from, to); open bounds when absent).
 */
export async function experimentAgreement(
  db: Db,
  experimentId: string,
  name?: string,
  range: { from?: number; to?: number } = {},
): Promise<JudgeAgreement[]> {
  const experiment = Number((await getExperiment(db, experimentId)).experiment_id);
  const [pairs, monitor] = await Promise.all([loadFeedbackPairs(db, experiment, name, range), findMonitor(db, experiment)]);
  const named: [string, FeedbackPair[]][] = name !== undefined ? [[name, pairs.get(name) ?? []]] : [...pairs];
  return Promise.all(
    named.map(async ([pairName, list]) => {
      const agreement = computeAgreement(pairName, list);
      return { ...agreement, guideline_clusters: await clustersOf(db, pairName, list, agreement, monitor?.config) };
    }),
  );
}

/**
 * A judge is a guidelines judge when the monitor's entry of that name (or the name itself) is of a
 * guidelines type. Its guidelines on a trace: the entry's `guidelines`, else the trace's `guidelines`
 * expectation (what `expectations_guidelines` reads).
 */
async function clustersOf(db: Db, name: string, pairs: FeedbackPair[], agreement: Agreement, config: MonitorConfig | undefined): Promise<GuidelineCluster[]> {
  if (agreement.disagreements.length === 0) return [];
  const entry = config?.scorers.find((s) => s.name === name);
  const type = resolveScorerType(entry ?? { name });
  if (type === null || !GUIDELINE_TYPES.has(type)) return [];
  const configured = type === 'guidelines' ? listOf(entry?.guidelines) : [];
  const perTrace = configured.length > 0 ? new Map<string, string[]>() : await loadGuidelineExpectations(db, pairs.map((p) => p.trace_id));
  const disagreeing = new Set(agreement.disagreements.map((d) => d.trace_id));
  return guidelineClusters(
    pairs.map((p) => ({
      trace_id: p.trace_id,
      disagrees: disagreeing.has(p.trace_id),
      guidelines: configured.length > 0 ? configured : (perTrace.get(p.trace_id) ?? []),
      judge_rationale: p.judge_rationale,
      human_rationale: p.human_rationale,
    })),
  );
}
