/**
 * Every scorer type Assay knows, by canonical name and alias: validation of scorer entries (every
 * problem at once, with its path), building scorers, and the catalog the API lists.
 */
import { invalid } from '../domain/errors.ts';
import { cost, latency, tokenCount } from './code/trace-metrics.ts';
import { documentRecall } from './code/document-recall.ts';
import { customJudge } from './custom-judge.ts';
import { correctness } from './judges/correctness.ts';
import { equivalence } from './judges/equivalence.ts';
import { expectationsGuidelines } from './judges/expectations-guidelines.ts';
import { guidelines } from './judges/guidelines.ts';
import { relevanceToQuery } from './judges/relevance-to-query.ts';
import { retrievalGroundedness } from './judges/retrieval-groundedness.ts';
import { retrievalRelevance } from './judges/retrieval-relevance.ts';
import { retrievalSufficiency } from './judges/retrieval-sufficiency.ts';
import { safety } from './judges/safety.ts';
import { conversationCompleteness, customSessionJudge, knowledgeRetention, userFrustration } from './judges/session-judges.ts';
import { COMMON_FIELDS, scorerEntrySchema, type ScorerEntry } from '../domain/scorer-entry.ts';
import type { Scorer, ScorerDefinition, ScorerKind } from './scorer.ts';

export { scorerEntrySchema, type ScorerEntry } from '../domain/scorer-entry.ts';
export type { Scorer } from './scorer.ts';

const DEFINITIONS: ScorerDefinition[] = [
  safety,
  relevanceToQuery,
  retrievalGroundedness,
  retrievalRelevance,
  retrievalSufficiency,
  correctness,
  guidelines,
  expectationsGuidelines,
  equivalence,
  customJudge,
  conversationCompleteness,
  userFrustration,
  knowledgeRetention,
  customSessionJudge,
  documentRecall,
  latency,
  tokenCount,
  cost,
];

const BY_NAME = new Map<string, ScorerDefinition>(
  DEFINITIONS.flatMap((d) => [[d.type, d] as const, ...d.aliases.map((a) => [a, d] as const)]),
);

/** Fields each type accepts beyond the common ones. */
const TYPE_FIELDS: Record<string, string[]> = {
  guidelines: ['guidelines'],
  custom_judge: ['instructions', 'result_type'],
  custom_session_judge: ['instructions'],
};

/** The scorer type an entry asks for, as written: `type`, or `name` when there is no type. */
export function requestedType(entry: Pick<ScorerEntry, 'name' | 'type'>): string {
  return entry.type ?? entry.name;
}

/** The canonical type of an entry (aliases resolved), or null when unknown. */
export function resolveScorerType(entry: Pick<ScorerEntry, 'name' | 'type'>): string | null {
  return BY_NAME.get(requestedType(entry))?.type ?? null;
}

/** Whether an entry judges single traces or whole sessions (unknown types count as traces). */
export function scorerLevel(entry: Pick<ScorerEntry, 'name' | 'type'>): 'trace' | 'session' {
  return BY_NAME.get(requestedType(entry))?.level ?? 'trace';
}

/** Every problem with a list of scorer entries, each prefixed with its path (`scorers[2].type: …`). */
export function validateScorerEntries(entries: unknown[], path = 'scorers'): string[] {
  const problems: string[] = [];
  const names = new Map<string, number>();
  entries.forEach((raw, index) => {
    const at = `${path}[${index}]`;
    const parsed = scorerEntrySchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
        problems.push(`${at}${field}: ${issue.message}`);
      }
      return;
    }
    const entry = parsed.data;
    const earlier = names.get(entry.name);
    if (earlier !== undefined) problems.push(`${at}.name: '${entry.name}' is already used by ${path}[${earlier}]; names must be unique`);
    else names.set(entry.name, index);
    const definition = BY_NAME.get(requestedType(entry));
    if (!definition) {
      const field = entry.type === undefined ? 'name' : 'type';
      problems.push(`${at}.${field}: unknown scorer type '${requestedType(entry)}'; known: ${knownTypes().join(', ')}`);
      return;
    }
    const allowed = new Set<string>([...COMMON_FIELDS, ...(TYPE_FIELDS[definition.type] ?? [])]);
    for (const key of Object.keys(entry)) {
      if (!allowed.has(key)) problems.push(`${at}.${key}: not a field of a '${definition.type}' scorer`);
    }
    for (const [field, message] of definition.validate?.(entry) ?? []) problems.push(`${at}.${field}: ${message}`);
  });
  return problems;
}

/**
 * Builds a scorer from one entry, validated here (unchecked input may come in); throws
 * INVALID_PARAMETER_VALUE listing every problem.
 */
export function buildScorer(entry: ScorerEntry | Record<string, unknown> | string, defaults: { model: string }): Scorer {
  const raw = typeof entry === 'string' ? { name: entry } : entry;
  const problems = validateScorerEntries([raw], 'scorer');
  if (problems.length > 0) throw invalid(problems.join('; '), { problems });
  const parsed = scorerEntrySchema.parse(raw);
  const definition = BY_NAME.get(requestedType(parsed));
  if (!definition) throw invalid(`unknown scorer type '${requestedType(parsed)}'`);
  return definition.create(parsed, defaults);
}

/** One scorer type as the catalog lists it. */
export interface ScorerCatalogEntry {
  name: string;
  kind: ScorerKind;
  description: string;
  required_fields: string[];
  aliases: string[];
}

/** Every scorer type, predefined judges first. */
export function listScorers(): ScorerCatalogEntry[] {
  return DEFINITIONS.map((d) => ({
    name: d.type,
    kind: d.kind,
    description: d.description,
    required_fields: [...d.required_fields],
    aliases: [...d.aliases],
  }));
}

function knownTypes(): string[] {
  return DEFINITIONS.map((d) => d.type);
}
