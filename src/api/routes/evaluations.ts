/**
 * Evaluation runs (DESIGN §7): start one over a dataset or inline records, follow its progress,
 * read its rows with every verdict, compare two runs, delete. Writers start and delete; readers read.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createEvaluation, createEvaluationBody } from '../../services/evaluation-create.ts';
import { compareRuns, getRun, rowView, runSummary, runView } from '../../services/evaluation-views.ts';
import { deleteRun, listRuns, pageRows } from '../../storage/evaluation-repository.ts';
import { parseExperimentId } from '../../storage/experiment-repository.ts';
import { notFound } from '../../domain/errors.ts';
import type { AppContext } from '../context.ts';
import { decodePageToken, encodePageToken } from '../page-token.ts';
import { documented } from '../openapi-schema.ts';
import { comparisonJson, rowListJson, runListJson, runResponseJson } from '../schemas/evaluations.ts';
import { parseWith } from '../validate.ts';

const BASE = '/api/v1/evaluations';
type P = { Params: { id: string } };

const listQuery = z
  .object({
    experiment_id: z.string().optional(),
    dataset: z.string().optional(),
    max_results: z.coerce.number().int().min(1).max(500).default(50),
    page_token: z.string().optional(),
  })
  .strict();

const rowsQuery = z
  .object({
    failed_judge: z.string().min(1).optional(),
    status: z.enum(['pending', 'done', 'errored']).optional(),
    max_results: z.coerce.number().int().min(1).max(1000).default(100),
    page_token: z.string().optional(),
  })
  .strict();

const compareQuery = z.object({ run_ids: z.string().min(1) }).strict();
const offsetCursor = z.object({ o: z.number().int().min(0) });
const rowCursor = z.object({ r: z.number().int().min(-1) });

export async function evaluationRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post(BASE, { config: { role: 'writer' }, ...documented({ body: createEvaluationBody, response: { 202: runResponseJson } }) }, async (request, reply) => {
    const body = parseWith(createEvaluationBody, request.body ?? {});
    const run = await createEvaluation(ctx, body, request.principal.name);
    return reply.code(202).send({ run: await runView(ctx, run) });
  });

  app.get(BASE, { config: { role: 'reader' }, ...documented({ querystring: listQuery, response: { 200: runListJson } }) }, async (request) => {
    const query = parseWith(listQuery, request.query);
    const offset = query.page_token ? decodePageToken(query.page_token, offsetCursor).o : 0;
    const experimentId = query.experiment_id === undefined ? undefined : parseExperimentId(query.experiment_id);
    if (query.experiment_id !== undefined && experimentId === undefined) return { runs: [] };
    const runs = await listRuns(ctx.db, { experimentId, dataset: query.dataset, limit: query.max_results, offset });
    return {
      runs: runs.map(runSummary),
      ...(runs.length === query.max_results ? { next_page_token: encodePageToken({ o: offset + runs.length }) } : {}),
    };
  });

  // Before `/:id`, though find-my-way prefers the static segment anyway.
  app.get(`${BASE}/compare`, { config: { role: 'reader' }, ...documented({ querystring: compareQuery, response: { 200: comparisonJson } }) }, async (request) => {
    const { run_ids } = parseWith(compareQuery, request.query);
    return compareRuns(ctx, run_ids.split(',').map((s) => s.trim()).filter(Boolean));
  });

  app.get<P>(`${BASE}/:id`, { config: { role: 'reader' }, ...documented({ response: { 200: runResponseJson } }) }, async (request) => ({ run: await runView(ctx, await getRun(ctx, request.params.id)) }));

  app.get<P>(`${BASE}/:id/rows`, { config: { role: 'reader' }, ...documented({ querystring: rowsQuery, response: { 200: rowListJson } }) }, async (request) => {
    const query = parseWith(rowsQuery, request.query);
    await getRun(ctx, request.params.id);
    const after = query.page_token ? decodePageToken(query.page_token, rowCursor).r : -1;
    const rows = await pageRows(ctx.db, request.params.id, { after, limit: query.max_results, failedJudge: query.failed_judge, status: query.status });
    const last = rows.at(-1);
    return {
      rows: rows.map(rowView),
      ...(last && rows.length === query.max_results ? { next_page_token: encodePageToken({ r: last.row_index }) } : {}),
    };
  });

  app.delete<P>(`${BASE}/:id`, { config: { role: 'writer' }, ...documented({ response: { 204: null } }) }, async (request, reply) => {
    if (!(await deleteRun(ctx.db, request.params.id))) throw notFound(`run_id: evaluation run '${request.params.id}' does not exist`);
    return reply.code(204).send();
  });
}
