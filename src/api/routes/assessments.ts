/**
 * Assessments on traces: log feedback and expectations, read, update, delete, override.
 * Human writes mark the trace changed, so monitors copy it again with its new labels.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { assessmentToJson } from '../../domain/assessment.ts';
import { invalid, notFound } from '../../domain/errors.ts';
import { assessmentSchema, parseMlflowAssessment } from '../../domain/mlflow-assessment.ts';
import type { IncomingAssessment, JsonValue } from '../../domain/trace.ts';
import {
  deleteAssessment,
  getAssessment,
  insertAssessments,
  newAssessmentId,
  updateAssessment,
} from '../../storage/assessment-repository.ts';
import { loadTraceInfos, touchTraces } from '../../storage/trace-repository.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';
import { assessmentJson } from '../schemas/traces.ts';
import { traceIdParam } from '../trace-id-param.ts';
import { parseWith } from '../validate.ts';

const json = z.json() as z.ZodType<JsonValue>;
const errorShape = z.object({ error_code: z.string().min(1), error_message: z.string().default('') });

/**
 * The body of a new assessment, in MLflow's JSON (the parser imports use too). The server assigns
 * the id and times; without a source, the caller is the human source.
 */
function parseNewAssessment(body: unknown, traceId: string, caller: string): IncomingAssessment {
  const { fields, path } = unwrap(body);
  const at = (field: string) => (path ? `${path}.${field}` : field);
  if ((fields.feedback == null) === (fields.expectation == null)) {
    throw invalid(`${at('feedback')}: give exactly one of feedback or expectation`);
  }
  const withSource = fields.source == null ? { ...fields, source: { source_type: 'HUMAN', source_id: caller } } : fields;
  const parsed = parseMlflowAssessment(withSource, path, traceId);
  if (parsed.kind === 'feedback' && parsed.value === null && parsed.error === null) {
    throw invalid(`${at('feedback.value')}: a feedback needs a value or an error`);
  }
  if (parsed.kind === 'expectation' && parsed.overrides) throw invalid(`${at('overrides')}: only a feedback can override`);
  // The server stamps ids and times; `valid` becomes false only through an override.
  const { create_time: _created, last_update_time: _updated, ...assessment } = parsed;
  return { ...assessment, assessment_id: newAssessmentId(), valid: true };
}

/**
 * The assessment's fields, given bare or in MLflow's request wrapper `{"assessment": {...}}` (what
 * MLflow's client sends); `path` prefixes error fields so they name what the caller sent.
 */
function unwrap(body: unknown): { fields: Record<string, unknown>; path: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('body: must be an assessment object');
  const fields = body as Record<string, unknown>;
  if (!('assessment' in fields)) return { fields, path: '' };
  const inner = fields.assessment;
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) throw invalid('assessment: must be an assessment object');
  const others = Object.keys(fields).filter((k) => k !== 'assessment');
  if (others.length > 0) throw invalid(`${others[0]}: put it inside assessment, or send the assessment without the wrapper`);
  return { fields: inner as Record<string, unknown>, path: 'assessment' };
}

/** The body `parseNewAssessment` reads: the assessment bare, or in MLflow's wrapper. */
const newAssessmentBody = z.union([assessmentSchema, z.object({ assessment: assessmentSchema })]);

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
    { config: { role: 'writer' }, ...documented({ body: newAssessmentBody, response: { 201: z.object({ assessment: assessmentJson }) } }) },
    async (request, reply) => {
      const traceId = traceIdParam(request.params.traceId);
      const body = parseNewAssessment(request.body, traceId, request.principal.name);
      const id = body.assessment_id!;
      const created = await ctx.db.transaction().execute(async (trx) => {
        const [trace] = await loadTraceInfos(trx, [traceId]);
        if (!trace) throw notFound(`trace_id: trace '${traceId}' does not exist`);
        if (body.overrides) {
          const old = await getAssessment(trx, traceId, body.overrides);
          if (!old) throw invalid(`overrides: assessment '${body.overrides}' does not exist on trace '${traceId}'`);
          if (old.kind !== 'feedback') throw invalid(`overrides: assessment '${body.overrides}' is not a feedback`);
          await updateAssessment(trx, traceId, body.overrides, { valid: false });
        }
        await insertAssessments(trx, [{ ...body, trace_id: traceId }]);
        await touchTraces(trx, [traceId]);
        return getAssessment(trx, traceId, id);
      });
      return reply.code(201).send({ assessment: assessmentToJson(created!) });
    },
  );

  app.get<{ Params: Params }>('/api/v1/traces/:traceId/assessments/:assessmentId', { config: { role: 'reader' }, ...documented({ response: { 200: z.object({ assessment: assessmentJson }) } }) }, async (request) => {
    const found = await getAssessment(ctx.db, traceIdParam(request.params.traceId), request.params.assessmentId);
    if (!found) throw notFound(`assessment_id: assessment '${request.params.assessmentId}' does not exist`);
    return { assessment: assessmentToJson(found) };
  });

  app.patch<{ Params: Params }>(
    '/api/v1/traces/:traceId/assessments/:assessmentId',
    { config: { role: 'writer' }, ...documented({ body: patchBody, response: { 200: z.object({ assessment: assessmentJson }) } }) },
    async (request) => {
      const body = parseWith(patchBody, request.body);
      const { assessmentId } = request.params;
      const traceId = traceIdParam(request.params.traceId);
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
    { config: { role: 'writer' }, ...documented({ response: { 204: null } }) },
    async (request, reply) => {
      const { assessmentId } = request.params;
      const traceId = traceIdParam(request.params.traceId);
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
