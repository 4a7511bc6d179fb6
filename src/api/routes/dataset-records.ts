/**
 * A dataset's records: merge (records, trace ids, a trace search), read any version, edit and
 * delete records, list versions. Every write is one new dataset version.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { recordToJson, expectationsSchema, jsonValue, recordInputSchema } from '../../domain/dataset-record.ts';
import { parseDatasetName } from '../../domain/dataset-name.ts';
import { invalid } from '../../domain/errors.ts';
import type { JsonObject } from '../../domain/trace.ts';
import { getDatasetRow } from '../../storage/dataset-repository.ts';
import { listVersions } from '../../storage/dataset-record-repository.ts';
import { deleteDatasetRecords, updateDatasetRecord } from '../../services/edit-dataset.ts';
import { readDatasetPage } from '../../services/datasets.ts';
import { mergeDatasetRecords } from '../../services/merge-dataset.ts';
import type { AppContext } from '../context.ts';
import { decodePageToken, encodePageToken } from '../page-token.ts';
import { documented } from '../openapi-schema.ts';
import { parseWith } from '../validate.ts';
import { traceIdParam } from '../trace-id-param.ts';
import { mergeJson, recordDeleteJson, recordPageJson, recordUpdateJson, versionListJson } from '../schemas/datasets.ts';

/** What a merge may bring (records, trace ids, a trace search): also what a new dataset may start with. */
export function mergeFields(maxRecords: number) {
  const limit = `the limit is ${maxRecords} records per dataset (ASSAY_DATASET_MAX_RECORDS)`;
  return {
    records: z.array(recordInputSchema).max(maxRecords, limit).optional(),
    trace_ids: z.array(z.string().min(1).transform(traceIdParam)).max(maxRecords, limit).optional(),
    search: z
      .object({
        experiment_ids: z.array(z.union([z.string(), z.number()]).transform(String)).min(1),
        filter_string: z.string().optional(),
        order_by: z.array(z.string()).optional(),
        max_results: z.number().int().min(1).max(maxRecords, limit).default(1000),
      })
      .strict()
      .optional(),
  };
}

function mergeBody(maxRecords: number) {
  return z
    .object(mergeFields(maxRecords))
    .strict()
    .refine((b) => b.records !== undefined || b.trace_ids !== undefined || b.search !== undefined, {
      message: 'give records, trace_ids or search',
    });
}

const recordPatch = z
  .object({
    expectations: expectationsSchema.optional(),
    tags: z.record(z.string(), z.string({ error: 'tag values must be strings' })).optional(),
    outputs: jsonValue.optional(),
  })
  .strict();

const deleteBody = z.object({ dataset_record_ids: z.array(z.string().min(1)).min(1) }).strict();

const pageQuery = z.object({
  version: z.coerce.number().int().min(0).optional(),
  max_results: z.coerce.number().int().min(1).max(10_000).default(1000),
  page_token: z.string().optional(),
  /** Records whose inputs contain this text (case-insensitive). */
  search: z.string().max(500).optional(),
});
const recordCursor = z.object({ v: z.number().int().min(0), s: z.number() });

type NameParams = { Params: { name: string } };
type RecordParams = { Params: { name: string; recordId: string } };

export async function datasetRecordRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const limits = ctx.config.datasets;
  const merge = mergeBody(limits.maxRecords);

  app.post<NameParams>('/api/v1/datasets/:name/merge', { config: { role: 'writer' }, ...documented({ body: merge, response: { 200: mergeJson } }) }, async (request) => {
    const name = parseDatasetName(request.params.name).full;
    const body = parseWith(merge, request.body);
    return mergeDatasetRecords(ctx.db, name, body, {
      user: request.principal.name,
      limits,
      searchTimeoutMs: ctx.config.searchTimeoutMs,
      maxTraceBytes: ctx.config.bodyLimitBytes,
    });
  });

  app.get<NameParams>('/api/v1/datasets/:name/records', { config: { role: 'reader' }, ...documented({ querystring: pageQuery, response: { 200: recordPageJson } }) }, async (request) => {
    const query = parseWith(pageQuery, request.query);
    const cursor = query.page_token ? decodePageToken(query.page_token, recordCursor) : undefined;
    if (cursor && query.version !== undefined && cursor.v !== query.version) {
      throw invalid('page_token: the token belongs to another version');
    }
    // A page token pins the version, so paging stays on one version while merges go on.
    const page = await readDatasetPage(ctx.db, request.params.name, {
      version: cursor?.v ?? query.version,
      limit: query.max_results,
      after: cursor?.s,
      search: query.search?.trim() || undefined,
    });
    return {
      version: page.version,
      records: page.records.map(recordToJson),
      ...(page.next !== undefined ? { next_page_token: encodePageToken({ v: page.version, s: page.next }) } : {}),
    };
  });

  app.get<NameParams>('/api/v1/datasets/:name/versions', { config: { role: 'reader' }, ...documented({ response: { 200: versionListJson } }) }, async (request) => {
    const row = await getDatasetRow(ctx.db, parseDatasetName(request.params.name).full);
    const versions = await listVersions(ctx.db, row.dataset_id);
    return {
      versions: versions.map(({ created_at, ...v }) => ({ ...v, created_time: created_at.toISOString() })),
    };
  });

  app.patch<RecordParams>('/api/v1/datasets/:name/records/:recordId', { config: { role: 'writer' }, ...documented({ body: recordPatch, response: { 200: recordUpdateJson } }) }, async (request) => {
    const name = parseDatasetName(request.params.name).full;
    const body = parseWith(recordPatch, request.body);
    const { record, version } = await updateDatasetRecord(
      ctx.db,
      name,
      request.params.recordId,
      { ...body, expectations: body.expectations as JsonObject | undefined },
      { user: request.principal.name, limits },
    );
    return { record: recordToJson(record), version };
  });

  app.delete<RecordParams>('/api/v1/datasets/:name/records/:recordId', { config: { role: 'writer' }, ...documented({ response: { 200: recordDeleteJson } }) }, async (request) => {
    const name = parseDatasetName(request.params.name).full;
    const result = await deleteDatasetRecords(ctx.db, name, [request.params.recordId], { user: request.principal.name, limits });
    return { deleted: result.deleted, version: result.version };
  });

  app.post<NameParams>('/api/v1/datasets/:name/records/delete', { config: { role: 'writer' }, ...documented({ body: deleteBody, response: { 200: recordDeleteJson } }) }, async (request) => {
    const name = parseDatasetName(request.params.name).full;
    const body = parseWith(deleteBody, request.body);
    const result = await deleteDatasetRecords(ctx.db, name, body.dataset_record_ids, { user: request.principal.name, limits });
    return { deleted: result.deleted, version: result.version };
  });
}
