/**
 * Assessments on traces: log feedback and expectations, read, update, delete, override.
 * Human writes mark the trace changed, so monitors copy it again with its new labels.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { assessmentToJson } from '../../domain/assessment.ts';
import { invalid, notFound } from '../../domain/errors.ts';
import type { JsonValue } from '../../domain/trace.ts';
import {
  deleteAssessment,
  getAssessment,
  insertAssessments,
  newAssessmentId,
  updateAssessment,
} from '../../storage/assessment-repository.ts';
import { loadTraceInfos, touchTraces } from '../../storage/trace-repository.ts';
import type { AppContext } from '../context.ts';
import { parseWith } from '../validate.ts';

const json: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]),
);
const sourceType = z
  .string()
  .transform((s) => s.toUpperCase())
  .pipe(z.enum(['HUMAN', 'LLM_JUDGE', 'CODE', 'AI_JUDGE']))
  .transform((s) => (s === 'AI_JUDGE' ? 'LLM_JUDGE' : s));
const errorShape = z.object({ error_code: z.string().min(1), error_message: z.string().default('') });

const createBody = z
  .object({
    assessment_name: z.string().trim().min(1, 'must be a non-empty string'),
    span_id: z.string().nullish(),
    source: z.object({ source_type: sourceType, source_id: z.string().nullish() }).optional(),
    feedback: z.object({ value: json.optional(), error: errorShape.nullish() }).optional(),
    expectation: z.object({ value: json }).optional(),
    rationale: z.string().nullish(),
    metadata: z.record(z.string(), z.string()).optional(),
    overrides: z.string().nullish(),
  })
  .superRefine((b, issue) => {
    if (!!b.feedback === !!b.expectation) {
      issue.addIssue({ code: 'custom', path: ['feedback'], message: 'give exactly one of feedback or expectation' });
    }
    if (b.feedback && b.feedback.value === undefined && !b.feedback.error) {
      issue.addIssue({ code: 'custom', path: ['feedback', 'value'], message: 'a feedback needs a value or an error' });
    }
    if (b.expectation && b.overrides) {
      issue.addIssue({ code: 'custom', path: ['overrides'], message: 'only a feedback can override' });
    }
  });

const patchBody = z.object({
  assessment_name: z.string().trim().min(1).optional(),
  feedback: z.object({ value: json.optional(), error: errorShape.nullish() }).optional(),
  expectation: z.object({ value: json }).optional(),
  rationale: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).optional(),
  valid: z.boolean().optional(),
});

type Params = { traceId: string; assessmentId: string };

export async function assessmentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Params: { traceId: string } }>(
    '/api/v1/traces/:traceId/assessments',
    { config: { role: 'writer' } },
    async (request, reply) => {
      const body = parseWith(createBody, request.body);
      const traceId = request.params.traceId;
      const source = body.source
        ? { source_type: body.source.source_type as 'HUMAN' | 'LLM_JUDGE' | 'CODE', source_id: body.source.source_id ?? null }
        : { source_type: 'HUMAN' as const, source_id: request.principal.name };
      const id = newAssessmentId();
      const created = await ctx.db.transaction().execute(async (trx) => {
        const [trace] = await loadTraceInfos(trx, [traceId]);
        if (!trace) throw notFound(`trace_id: trace '${traceId}' does not exist`);
        if (body.overrides) {
          const old = await getAssessment(trx, traceId, body.overrides);
          if (!old) throw invalid(`overrides: assessment '${body.overrides}' does not exist on trace '${traceId}'`);
          if (old.kind !== 'feedback') throw invalid(`overrides: assessment '${body.overrides}' is not a feedback`);
          await updateAssessment(trx, traceId, body.overrides, { valid: false });
        }
        await insertAssessments(trx, [
          {
            assessment_id: id,
            trace_id: traceId,
            name: body.assessment_name,
            kind: body.feedback ? 'feedback' : 'expectation',
            span_id: body.span_id ?? null,
            value: body.feedback ? (body.feedback.value ?? null) : (body.expectation?.value ?? null),
            rationale: body.rationale ?? null,
            error: body.feedback?.error ?? null,
            source,
            metadata: body.metadata ?? {},
            overrides: body.overrides ?? null,
            valid: true,
          },
        ]);
        await touchTraces(trx, [traceId]);
        return getAssessment(trx, traceId, id);
      });
      return reply.code(201).send({ assessment: assessmentToJson(created!) });
    },
  );

  app.get<{ Params: Params }>('/api/v1/traces/:traceId/assessments/:assessmentId', async (request) => {
    const found = await getAssessment(ctx.db, request.params.traceId, request.params.assessmentId);
    if (!found) throw notFound(`assessment_id: assessment '${request.params.assessmentId}' does not exist`);
    return { assessment: assessmentToJson(found) };
  });

  app.patch<{ Params: Params }>(
    '/api/v1/traces/:traceId/assessments/:assessmentId',
    { config: { role: 'writer' } },
    async (request) => {
      const body = parseWith(patchBody, request.body);
      const { traceId, assessmentId } = request.params;
      const updated = await ctx.db.transaction().execute(async (trx) => {
        const existing = await getAssessment(trx, traceId, assessmentId);
        if (!existing) throw notFound(`assessment_id: assessment '${assessmentId}' does not exist`);
        if (existing.kind === 'feedback' && body.expectation) {
          throw invalid('expectation: this assessment is a feedback');
        }
        if (existing.kind === 'expectation' && body.feedback) {
          throw invalid('feedback: this assessment is an expectation');
        }
        const value = body.feedback?.value ?? body.expectation?.value;
        const result = await updateAssessment(trx, traceId, assessmentId, {
          ...(body.assessment_name !== undefined ? { name: body.assessment_name } : {}),
          ...(value !== undefined ? { value } : {}),
          ...(body.feedback?.error !== undefined ? { error: body.feedback.error } : {}),
          ...(body.rationale !== undefined ? { rationale: body.rationale } : {}),
          ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
          ...(body.valid !== undefined ? { valid: body.valid } : {}),
        });
        await touchTraces(trx, [traceId]);
        return result;
      });
      return { assessment: assessmentToJson(updated!) };
    },
  );

  app.delete<{ Params: Params }>(
    '/api/v1/traces/:traceId/assessments/:assessmentId',
    { config: { role: 'writer' } },
    async (request, reply) => {
      const { traceId, assessmentId } = request.params;
      const deleted = await ctx.db.transaction().execute(async (trx) => {
        const ok = await deleteAssessment(trx, traceId, assessmentId);
        if (ok) await touchTraces(trx, [traceId]);
        return ok;
      });
      if (!deleted) throw notFound(`assessment_id: assessment '${assessmentId}' does not exist`);
      return reply.code(204).send();
    },
  );
}
