/** `assay judges agreement`: how often each judge agrees with people on the same traces. */
import type { Command } from 'commander';
import type { z } from 'zod';
import type { judgeAgreementJson } from '../api/schemas/judges.ts';
import { apiRequest } from './api-client.ts';
import { printTable } from './table.ts';

/** One judge's entry in the API's answer, as its response schema declares it. */
type AgreementJson = z.infer<typeof judgeAgreementJson>;

export function registerJudges(program: Command): void {
  const judges = program.command('judges').description('judges and the people who check them');
  judges
    .command('agreement')
    .description("judge–human agreement per feedback name: kappa, confusion matrix, the traces they disagree on")
    .requiredOption('-x, --experiment-id <id>', 'experiment')
    .option('--name <name>', 'only this feedback name')
    .option('--max-disagreements <n>', 'disagreeing traces to list per judge (default 100)')
    .option('--json', 'print the API answer as JSON')
    .action(async (options: { experimentId: string; name?: string; maxDisagreements?: string; json?: boolean }) => {
      const query = new URLSearchParams();
      if (options.name !== undefined) query.set('name', options.name);
      if (options.maxDisagreements !== undefined) query.set('max_disagreements', options.maxDisagreements);
      const path = `/api/v1/experiments/${encodeURIComponent(options.experimentId)}/judge-agreement?${query.toString()}`;
      const result = await apiRequest<{ judges: AgreementJson[] }>('GET', path);
      if (options.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      if (result.judges.length === 0) console.log('no trace has both a judge’s and a person’s feedback of the same name');
      for (const judge of result.judges) printJudge(judge);
    });
}

function printJudge(j: AgreementJson): void {
  const head = `${j.name}: ${j.pairs} pairs, agreement ${percent(j.agreement)}`;
  if (j.value_type === 'numeric') {
    console.log(`${head}, mean absolute error ${fixed(j.mae)}, correlation ${fixed(j.correlation)}`);
  } else {
    const ci = j.kappa_ci ? ` (95% CI ${fixed(j.kappa_ci[0])} to ${fixed(j.kappa_ci[1])})` : '';
    console.log(`${head}, kappa ${fixed(j.kappa)}${ci}`);
    printTable(['', ...j.labels.map((l) => `judge ${l}`)], j.labels.map((h) => [`human ${h}`, ...j.labels.map((l) => j.confusion[h]?.[l] ?? 0)]));
    printTable(
      ['label', 'precision', 'recall', 'human', 'judge'],
      j.per_class.map((c) => [c.label, percent(c.precision), percent(c.recall), c.human_count, c.judge_count]),
    );
  }
  if (j.guideline_clusters && j.guideline_clusters.length > 0) {
    console.log('where the disagreements cluster (named: the rationales hold at least half of the guideline’s words):');
    printTable(
      ['guideline', 'named', 'disagreements', 'pairs', 'rate'],
      j.guideline_clusters.map((c) => [c.guideline, c.named, c.disagreements, c.pairs, percent(c.disagreement_rate)]),
    );
  }
  if (j.disagreements_total > 0) {
    const shown = j.disagreements.length < j.disagreements_total ? ` (first ${j.disagreements.length})` : '';
    console.log(`disagreements: ${j.disagreements_total}${shown}`);
    for (const d of j.disagreements) {
      console.log(`  ${d.trace_id}  judge ${text(d.judge_value)}, human ${text(d.human_value)}`);
      if (d.judge_rationale) console.log(`    judge: ${d.judge_rationale}`);
      if (d.human_rationale) console.log(`    human: ${d.human_rationale}`);
    }
  }
  console.log('');
}

function percent(value: number | null): string {
  return value === null ? '-' : `${(value * 100).toFixed(1)}%`;
}

function fixed(value: number | null): string {
  return value === null ? '-' : value.toFixed(3);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
