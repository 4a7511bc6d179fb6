/**
 * Judge–human agreement: `GET /api/v1/experiments/{id}/judge-agreement` (every feedback name both a
 * judge and a person gave) and `GET …/judges/{name}/agreement` (one name).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { experimentAgreement, type JudgeAgreement } from '../../services/judge-agreement.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';
import { judgeAgreementJson, judgeAgreementListJson } from '../schemas/judges.ts';
import { parseWith } from '../validate.ts';

const maxDisagreements = z.coerce.number().int().min(0).max(10_000).default(100);
const listQuery = z.object({ name: z.string().min(1).max(1000).optional(), max_disagreements: maxDisagreements });
const oneQuery = z.object({ max_disagreements: maxDisagreements });

function agreementToJson(a: JudgeAgreement, max: number) {
  return { ...a, disagreements: a.disagreements.slice(0, max), disagreements_total: a.disagreements.length };
}

export async function judgeRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/api/v1/experiments/:id/judge-agreement',
    { config: { role: 'reader' }, ...documented({ querystring: listQuery, response: { 200: judgeAgreementListJson } }) },
    async (request) => {
      const query = parseWith(listQuery, request.query);
      const judges = await experimentAgreement(ctx.db, request.params.id, query.name);
      return { judges: judges.map((a) => agreementToJson(a, query.max_disagreements)) };
    },
  );

  app.get<{ Params: { id: string; name: string } }>(
    '/api/v1/experiments/:id/judges/:name/agreement',
    { config: { role: 'reader' }, ...documented({ querystring: oneQuery, response: { 200: judgeAgreementJson } }) },
    async (request) => {
      const query = parseWith(oneQuery, request.query);
      const [agreement] = await experimentAgreement(ctx.db, request.params.id, request.params.name);
      return agreementToJson(agreement!, query.max_disagreements);
    },
  );
}
