/** Experiments: create, list, get, set retention. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createExperiment, getExperiment, listExperiments, setExperimentRetention } from '../../storage/experiment-repository.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';
import { experimentJson } from '../schemas/common.ts';
import { parseWith } from '../validate.ts';

const listQuery = z.object({ name: z.string().optional() });

/** Whole days, at most 100 years; null follows ASSAY_RETENTION_DAYS. */
const retentionDays = z
  .number({ error: 'must be a whole number of days or null' })
  .int('must be a whole number of days')
  .min(1, 'must be at least 1 day')
  .max(36_500, 'must be at most 36500 days')
  .nullable();

const createBody = z.object({
  name: z.string().trim().min(1, 'must be a non-empty string').max(500),
  tags: z.record(z.string(), z.string()).optional(),
  retention_days: retentionDays.optional(),
});

const patchBody = z.object({ retention_days: retentionDays }).strict();

export async function experimentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/api/v1/experiments', { config: { role: 'writer' }, ...documented({ body: createBody, response: { 201: experimentJson } }) }, async (request, reply) => {
    const body = parseWith(createBody, request.body);
    const experiment = await createExperiment(ctx.db, { ...body, created_by: request.principal.name });
    return reply.code(201).send(experiment);
  });

  app.get('/api/v1/experiments', { config: { role: 'reader' }, ...documented({ querystring: listQuery, response: { 200: z.object({ experiments: z.array(experimentJson) }) } }) }, async (request) => {
    const query = parseWith(listQuery, request.query);
    return { experiments: await listExperiments(ctx.db, query) };
  });

  // Retention changes what is kept, so it is an admin's decision.
  app.patch<{ Params: { id: string } }>('/api/v1/experiments/:id', { config: { role: 'admin' }, ...documented({ body: patchBody, response: { 200: experimentJson } }) }, async (request) => {
    const body = parseWith(patchBody, request.body);
    return setExperimentRetention(ctx.db, request.params.id, body.retention_days);
  });

  app.get<{ Params: { id: string } }>('/api/v1/experiments/:id', { config: { role: 'reader' }, ...documented({ response: { 200: experimentJson } }) }, async (request) =>
    getExperiment(ctx.db, request.params.id),
  );
}
