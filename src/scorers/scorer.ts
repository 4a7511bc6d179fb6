/** The contract every scorer meets, whether an LLM judge or plain code. */
import type { FeedbackDraft } from '../domain/assessment.ts';
import type { JudgeAttempt, JudgeClient } from './judge-client.ts';
import type { ScorerEntry } from '../domain/scorer-entry.ts';
import type { ScorerInput } from './scorer-input.ts';

export type Applicability = { applies: true } | { applies: false; reason: string };

export interface ScoreContext {
  judge: JudgeClient;
  /** Aborting it is the only way `score` rejects. */
  signal?: AbortSignal | undefined;
  /** Told of every HTTP request sent to the judge for this input, when it ends (cost accounting). */
  onJudgeAttempt?: ((attempt: JudgeAttempt) => void) | undefined;
}

export type ScorerKind = 'llm_judge' | 'code';

export interface Scorer {
  /** The feedback name (unique within a monitor). */
  name: string;
  /** The canonical scorer type (`retrieval_groundedness`, never an alias). */
  type: string;
  kind: ScorerKind;
  /** Whether the input holds what the scorer needs, and if not, why. */
  applicability(input: ScorerInput): Applicability;
  /**
   * Feedback for one input. Never rejects for a judge failure: that becomes a feedback with `error`
   * and value null. Rejects only when `ctx.signal` aborts.
   */
  score(input: ScorerInput, ctx: ScoreContext): Promise<FeedbackDraft[]>;
}

/** What the registry knows about one scorer type. */
export interface ScorerDefinition {
  type: string;
  kind: ScorerKind;
  /** `session`: judges a whole conversation (monitors run it on idle sessions). Default `trace`. */
  level?: 'trace' | 'session';
  /** Databricks' older names, accepted in configs. */
  aliases: string[];
  description: string;
  /** Fields of the input the scorer reads, e.g. `outputs`, `retrieved_context`, `expectations.expected_facts`. */
  required_fields: string[];
  /** Problems with the entry's type-specific fields, as [field, message]. */
  validate?(entry: ScorerEntry): Array<[field: string, message: string]>;
  create(entry: ScorerEntry, defaults: { model: string }): Scorer;
}

export const APPLIES: Applicability = { applies: true };

export function notApplicable(reason: string): Applicability {
  return { applies: false, reason };
}
