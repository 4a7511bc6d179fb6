/**
 * `GET /api/v1/scorers` (the catalog) and `POST /api/v1/scorers/run` (run scorers on given traces or
 * records and return the feedback without storing it — for trying a scorer before a monitor uses it).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FeedbackDraft } from '../../domain/assessment.ts';
import { invalid, notFound } from '../../domain/errors.ts';
import type { JsonValue } from '../../domain/trace.ts';
import { buildScorer, listScorers, validateScorerEntries, type Scorer } from '../../scorers/registry.ts';
import { scorerInputFromRecord, scorerInputFromTrace, type ScorerInput } from '../../scorers/scorer-input.ts';
import { runPool } from '../../services/pool.ts';
import { loadStoredTraces } from '../../storage/trace-repository.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';
import type { JudgeClient } from '../../scorers/judge-client.ts';
import { parseWith } from '../validate.ts';
import { traceIdParam } from '../trace-id-param.ts';

const json = z.json() as z.ZodType<JsonValue>;

const runBody = z
  .object({
    /** Scorer names, or entries as in a monitor config. */
    scorers: z.array(z.union([z.string().min(1), z.record(z.string(), z.unknown())])).min(1).max(50),
    trace_ids: z.array(z.string().min(1)).max(100).optional(),
    records: z
      .array(
        z.object({
          inputs: json,
          outputs: json.optional(),
          expectations: z.record(z.string(), json).nullish(),
          retrieved_context: z.array(json).nullish(),
        }),
      )
      .max(100)
      .optional(),
  })
  .refine((b) => (b.trace_ids?.length ?? 0) + (b.records?.length ?? 0) > 0, {
    message: 'give trace_ids or records',
    path: ['trace_ids'],
  });

type ScorerOutcome =
  | { name: string; type: string; applies: true; feedback: ReturnType<typeof feedbackJson>[] }
  | { name: string; type: string; applies: false; reason: string };

/** A feedback in the API's assessment shape, minus what only storage gives (ids, times). */
function feedbackJson(d: FeedbackDraft) {
  return {
    assessment_name: d.name,
    span_id: d.span_id ?? null,
    source: d.source,
    feedback: { value: d.value, error: d.error },
    rationale: d.rationale,
    metadata: d.metadata ?? {},
  };
}

/** The scorer catalogue: every scorer type a monitor or an evaluation can name. */
const scorerCatalogJson = z.object({
  scorers: z.array(z.object({
    name: z.string(),
    kind: z.enum(['llm_judge', 'code']),
    description: z.string(),
    required_fields: z.array(z.string()),
    aliases: z.array(z.string()),
  })),
});

const feedbackDraftJson = z.object({
  assessment_name: z.string(),
  span_id: z.string().nullable(),
  source: z.object({ source_type: z.string(), source_id: z.string().nullable() }),
  feedback: z.object({ value: z.unknown(), error: z.object({ error_code: z.string(), error_message: z.string() }).nullable() }),
  rationale: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
});

/** Each trace's or record's outcome per scorer: its feedback, or why the scorer does not apply. */
const runResultJson = z.object({
  results: z.array(z.object({
    /** The trace scored, or (for `records`) the record's index. */
    trace_id: z.string().optional(),
    record_index: z.number().int().optional(),
    scorers: z.array(z.union([
      z.object({ name: z.string(), type: z.string(), applies: z.literal(true), feedback: z.array(feedbackDraftJson) }),
      z.object({ name: z.string(), type: z.string(), applies: z.literal(false), reason: z.string() }),
    ])),
  })),
});

export async function scorerRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/api/v1/scorers', { config: { role: 'reader' }, ...documented({ response: { 200: scorerCatalogJson } }) }, async () => ({ scorers: listScorers() }));

  // Runs judges, which costs money: writers only.
  app.post('/api/v1/scorers/run', { config: { role: 'writer' }, ...documented({ body: runBody, response: { 200: runResultJson } }) }, async (request, reply) => {
    const body = parseWith(runBody, request.body ?? {});
    const entries = body.scorers.map((s) => (typeof s === 'string' ? { name: s } : s));
    const problems = validateScorerEntries(entries);
    if (problems.length > 0) throw invalid(problems.join('; '), { problems });
    const scorers = entries.map((e) => buildScorer(e, { model: ctx.config.judge.model }));

    const traceIds = [...new Set((body.trace_ids ?? []).map(traceIdParam))];
    const traces = traceIds.length > 0 ? await loadStoredTraces(ctx.db, traceIds) : [];
    const found = new Set(traces.map((t) => t.info.trace_id));
    const missing = traceIds.filter((id) => !found.has(id));
    if (missing.length > 0) throw notFound(`trace_ids: no trace ${missing.join(', ')}`);

    const items: Array<{ key: { trace_id: string } | { record_index: number }; input: ScorerInput }> = [
      ...traces.map((t) => ({ key: { trace_id: t.info.trace_id }, input: scorerInputFromTrace(t) })),
      ...(body.records ?? []).map((r, i) => ({ key: { record_index: i }, input: scorerInputFromRecord(r, `record-${i}`) })),
    ];

    // A client that hangs up stops the judge calls it asked for.
    const controller = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) controller.abort(new Error('client closed the connection'));
    });
    const { judge } = ctx.judge;
    const results = items.map((item) => ({ ...item.key, scorers: [] as ScorerOutcome[] }));
    const work = items.flatMap((item, index) => scorers.map((scorer) => ({ item, index, scorer })));
    const outcomes = new Map<string, ScorerOutcome>();
    await runPool(work, 16, controller.signal, async ({ item, index, scorer }) => {
      outcomes.set(`${index}/${scorer.name}`, await outcome(scorer, item.input, judge, controller.signal));
    });
    results.forEach((result, index) => {
      for (const scorer of scorers) result.scorers.push(outcomes.get(`${index}/${scorer.name}`)!);
    });
    return { results };
  });
}

async function outcome(
  scorer: Scorer,
  input: ScorerInput,
  judge: JudgeClient,
  signal: AbortSignal,
): Promise<ScorerOutcome> {
  const applicability = scorer.applicability(input);
  if (!applicability.applies) return { name: scorer.name, type: scorer.type, applies: false, reason: applicability.reason };
  const drafts = await scorer.score(input, { judge, signal });
  return { name: scorer.name, type: scorer.type, applies: true, feedback: drafts.map(feedbackJson) };
}
