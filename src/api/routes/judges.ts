/**
 * Judge–human agreement: `GET /api/v1/experiments/{id}/judge-agreement` (every feedback name both a
 * judge and a person gave) and `GET …/judges/{name}/agreement` (one name).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { invalid } from '../../domain/errors.ts';
import { experimentAgreement, type JudgeAgreement } from '../../services/judge-agreement.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';
import { judgeAgreementJson, judgeAgreementListJson } from '../schemas/judges.ts';
import { parseWith } from '../validate.ts';

const maxDisagreements = z.coerce.number().int().min(0).max(10_000).default(100);
const time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 time');
/** Only traces whose request time is in [start_time, end_time). */
const range = { start_time: time.optional(), end_time: time.optional() };
const listQuery = z.object({ name: z.string().min(1).max(1000).optional(), max_disagreements: maxDisagreements, ...range });
const oneQuery = z.object({ max_disagreements: maxDisagreements, ...range });

function rangeOf(query: { start_time?: string | undefined; end_time?: string | undefined }): { from?: number; to?: number } {
  const from = query.start_time === undefined ? undefined : Date.parse(query.start_time);
  const to = query.end_time === undefined ? undefined : Date.parse(query.end_time);
  if (from !== undefined && to !== undefined && from >= to) throw invalid('start_time: must be before end_time');
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

function agreementToJson(a: JudgeAgreement, max: number) {
  return { ...a, disagreements: a.disagreements.slice(0, max), disagreements_total: a.disagreements.length };
}

export async function judgeRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/api/v1/experiments/:id/judge-agreement',
    { config: { role: 'reader' }, ...documented({ querystring: listQuery, response: { 200: judgeAgreementListJson } }) },
    async (request) => {
      const query = parseWith(listQuery, request.query);
      const judges = await experimentAgreement(ctx.db, request.params.id, query.name, rangeOf(query));
      return { judges: judges.map((a) => agreementToJson(a, query.max_disagreements)) };
    },
  );

  app.get<{ Params: { id: string; name: string } }>(
    '/api/v1/experiments/:id/judges/:name/agreement',
    { config: { role: 'reader' }, ...documented({ querystring: oneQuery, response: { 200: judgeAgreementJson } }) },
    async (request) => {
      const query = parseWith(oneQuery, request.query);
      const [agreement] = await experimentAgreement(ctx.db, request.params.id, request.params.name, rangeOf(query));
      return agreementToJson(agreement!, query.max_disagreements);
    },
  );
}
