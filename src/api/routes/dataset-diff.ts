/** The difference between two versions of a dataset: counts, and the added, removed and changed records page by page. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseDatasetName } from '../../domain/dataset-name.ts';
import { recordToJson } from '../../domain/dataset-record.ts';
import { invalid } from '../../domain/errors.ts';
import { changedKeys } from '../../domain/record-diff.ts';
import { diffCounts, diffPage } from '../../storage/dataset-diff.ts';
import { getDatasetRow } from '../../storage/dataset-repository.ts';
import { resolveVersion } from '../../services/datasets.ts';
import type { AppContext } from '../context.ts';
import { decodePageToken, encodePageToken } from '../page-token.ts';
import { documented } from '../openapi-schema.ts';
import { jsonValue } from '../schemas/common.ts';
import { parseWith } from '../validate.ts';

const diffQuery = z
  .object({
    from: z.coerce.number({ error: 'must be a version number' }).int().min(0),
    to: z.coerce.number({ error: 'must be a version number' }).int().min(0).optional(),
    kind: z.enum(['added', 'removed', 'changed']).optional(),
    max_results: z.coerce.number().int().min(1).max(1000).default(100),
    page_token: z.string().optional(),
  })
  .strict();

const diffJson = z.object({
  from_version: z.number(),
  to_version: z.number(),
  counts: z.object({ added: z.number(), removed: z.number(), changed: z.number() }),
  changes: z.array(
    z.object({
      kind: z.enum(['added', 'removed', 'changed']),
      dataset_record_id: z.string(),
      before: jsonValue,
      after: jsonValue,
      changed_keys: z.array(z.string()),
    }),
  ),
  next_page_token: z.string().optional(),
});

const cursor = z.object({ s: z.number().int().min(0), f: z.number().int(), t: z.number().int() });

export async function datasetDiffRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { name: string } }>('/api/v1/datasets/:name/diff', { config: { role: 'reader' }, ...documented({ querystring: diffQuery, response: { 200: diffJson } }) }, async (request) => {
    const query = parseWith(diffQuery, request.query);
    const row = await getDatasetRow(ctx.db, parseDatasetName(request.params.name).full);
    const from = resolveVersion(row, query.from);
    const to = resolveVersion(row, query.to);
    const position = query.page_token ? decodePageToken(query.page_token, cursor) : undefined;
    if (position && (position.f !== from || position.t !== to)) throw invalid('page_token: the token belongs to another pair of versions');
    const [counts, page] = await Promise.all([
      diffCounts(ctx.db, row.dataset_id, from, to),
      diffPage(ctx.db, row.dataset_id, from, to, { after: position?.s ?? 0, limit: query.max_results, kind: query.kind }),
    ]);
    const last = page.at(-1);
    return {
      from_version: from,
      to_version: to,
      counts,
      changes: page.map((e) => ({
        kind: e.kind,
        dataset_record_id: (e.after ?? e.before)!.dataset_record_id,
        before: e.before ? recordToJson(e.before) : null,
        after: e.after ? recordToJson(e.after) : null,
        changed_keys: e.before && e.after ? changedKeys(e.before, e.after) : [],
      })),
      ...(last && page.length === query.max_results ? { next_page_token: encodePageToken({ s: last.seq, f: from, t: to }) } : {}),
    };
  });
}
