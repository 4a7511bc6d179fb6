/**
 * Evaluation datasets (DESIGN §6): create, list, read, tag, link to experiments, delete. Records,
 * merges and versions live in `dataset-records.ts`, registered from here.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseDatasetName } from '../../domain/dataset-name.ts';
import { deleteDataset, listDatasets, toDataset, updateDatasetMeta } from '../../storage/dataset-repository.ts';
import { checkExperiments, createDataset, getDataset } from '../../services/datasets.ts';
import { runsUsingDataset } from '../../storage/evaluation-repository.ts';
import type { AppContext } from '../context.ts';
import { decodePageToken, encodePageToken } from '../page-token.ts';
import { documented } from '../openapi-schema.ts';
import { datasetJson } from '../schemas/common.ts';
import { datasetRunRefJson, mergeJson } from '../schemas/datasets.ts';
import { mergeDatasetRecords } from '../../services/merge-dataset.ts';
import { parseWith } from '../validate.ts';
import { datasetDiffRoutes } from './dataset-diff.ts';
import { datasetRecordRoutes, mergeFields } from './dataset-records.ts';
import { datasetSynthesisRoutes } from './dataset-synthesis.ts';

const tagMap = z.record(z.string().min(1), z.string({ error: 'tag values must be strings' }));

/** A new dataset, optionally with its first records (as a merge brings them): one transaction. */
function createBody(maxRecords: number) {
  return z
    .object({
      name: z.string({ error: "must be a string '<schema>.<table>'" }),
      experiment_ids: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
      tags: tagMap.optional(),
      ...mergeFields(maxRecords),
    })
    .strict();
}

const patchBody = z
  .object({
    /** Merged key by key; a null value removes the tag. */
    tags: z.record(z.string().min(1), z.string().nullable()).optional(),
    experiment_ids: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
  })
  .strict();

const ORDER = /^(name|created_time|last_update_time)(\s+(asc|desc))?$/i;

const listQuery = z
  .object({
    name: z.string().optional(),
    created_by: z.string().optional(),
    experiment_id: z.string().optional(),
    order_by: z.string().regex(ORDER, 'must be name, created_time or last_update_time, then optionally ASC or DESC').optional(),
    max_results: z.coerce.number().int().min(1).max(1000).default(100),
    page_token: z.string().optional(),
  })
  .loose();

const offsetCursor = z.object({ o: z.number().int().min(0) });

type NameParams = { Params: { name: string } };

export async function datasetRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const create = createBody(ctx.config.datasets.maxRecords);
  // With records, trace_ids or search the dataset is created with them, or not at all: a refused
  // merge (unknown traces, limits) leaves no empty dataset behind. `merge` then says what it added.
  const created = z.object({ dataset: datasetJson, merge: mergeJson.optional() });
  app.post('/api/v1/datasets', { config: { role: 'writer' }, ...documented({ body: create, response: { 201: created } }) }, async (request, reply) => {
    const { records, trace_ids, search, ...body } = parseWith(create, request.body);
    const user = request.principal.name;
    if (records === undefined && trace_ids === undefined && search === undefined) {
      return reply.code(201).send({ dataset: await createDataset(ctx.db, { ...body, user }) });
    }
    const experimentIds = await checkExperiments(ctx.db, body.experiment_ids ?? []);
    const merge = await mergeDatasetRecords(ctx.db, body.name, { records, trace_ids, search }, {
      user,
      limits: ctx.config.datasets,
      searchTimeoutMs: ctx.config.searchTimeoutMs,
      maxTraceBytes: ctx.config.bodyLimitBytes,
      create: { experiment_ids: experimentIds, tags: body.tags ?? {} },
    });
    return reply.code(201).send({ dataset: await getDataset(ctx.db, body.name), merge });
  });

  // Tags filter as `tag.<key>=<value>`; every given tag must match.
  app.get<{ Querystring: Record<string, string> }>('/api/v1/datasets', { config: { role: 'reader' }, ...documented({ querystring: listQuery, response: { 200: z.object({ datasets: z.array(datasetJson), next_page_token: z.string().optional() }) } }) }, async (request) => {
    const query = parseWith(listQuery, request.query);
    const tags: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.query)) {
      if (key.startsWith('tag.') && typeof value === 'string') tags[key.slice(4)] = value;
    }
    const [, field, , direction] = ORDER.exec(query.order_by ?? 'name') ?? [];
    const offset = query.page_token ? decodePageToken(query.page_token, offsetCursor).o : 0;
    const rows = await listDatasets(ctx.db, {
      nameLike: query.name,
      createdBy: query.created_by,
      experimentId: query.experiment_id,
      tags,
      orderBy: (field?.toLowerCase() ?? 'name') as 'name' | 'created_time' | 'last_update_time',
      descending: direction?.toLowerCase() === 'desc',
      limit: query.max_results,
      offset,
    });
    return {
      datasets: rows.map(toDataset),
      ...(rows.length === query.max_results ? { next_page_token: encodePageToken({ o: offset + rows.length }) } : {}),
    };
  });

  // `{dataset}` leaves room for siblings such as the evaluation runs that used it.
  app.get<NameParams>('/api/v1/datasets/:name', { config: { role: 'reader' }, ...documented({ response: { 200: z.object({ dataset: datasetJson, evaluation_runs: z.array(datasetRunRefJson) }) } }) }, async (request) => ({
    dataset: await getDataset(ctx.db, request.params.name),
    evaluation_runs: await runsUsingDataset(ctx.db, parseDatasetName(request.params.name).full),
  }));

  app.patch<NameParams>('/api/v1/datasets/:name', { config: { role: 'writer' }, ...documented({ body: patchBody, response: { 200: z.object({ dataset: datasetJson }) } }) }, async (request) => {
    const body = parseWith(patchBody, request.body);
    const name = parseDatasetName(request.params.name).full;
    const experimentIds = body.experiment_ids ? await checkExperiments(ctx.db, body.experiment_ids) : undefined;
    const row = await ctx.db.transaction().execute((trx) =>
      updateDatasetMeta(trx, name, {
        ...(body.tags ? { tags: body.tags } : {}),
        ...(experimentIds ? { experiment_ids: experimentIds } : {}),
        user: request.principal.name,
      }),
    );
    return { dataset: toDataset(row) };
  });

  app.delete<NameParams>('/api/v1/datasets/:name', { config: { role: 'writer' }, ...documented({ response: { 204: null } }) }, async (request, reply) => {
    const name = parseDatasetName(request.params.name).full;
    await ctx.db.transaction().execute((trx) => deleteDataset(trx, name));
    return reply.code(204).send();
  });

  await datasetRecordRoutes(app, ctx);
  await datasetSynthesisRoutes(app, ctx);
  await datasetDiffRoutes(app, ctx);
}
