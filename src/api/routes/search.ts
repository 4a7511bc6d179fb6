/** `POST /api/v1/traces/search`: MLflow's search_traces over one or more experiments. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { countTracesRequest, searchTracesRequest } from '../../services/search-traces.ts';
import { DEFAULT_MAX_RESULTS, MAX_RESULTS_LIMIT } from '../../storage/trace-search.ts';
import type { AppContext } from '../context.ts';
import { traceInfoToJson } from '../trace-json.ts';
import { documented } from '../openapi-schema.ts';
import { traceCountJson, traceSearchJson } from '../schemas/traces.ts';
import { parseWith } from '../validate.ts';

const experimentId = z.union([z.string(), z.number().int().nonnegative()]).transform(String);

const searchBody = z.object({
  experiment_ids: z.array(experimentId).min(1, 'must name at least one experiment').max(100),
  filter_string: z.string().nullish(),
  order_by: z.array(z.string()).max(20).nullish(),
  max_results: z.number().int().min(1).max(MAX_RESULTS_LIMIT).default(DEFAULT_MAX_RESULTS),
  page_token: z.string().nullish(),
  /**
   * Span values to return beside each trace, keyed by the field as written in `extracted`:
   * `<span name>.inputs[.<field>]`, `<span name>.outputs[.<field>]`, and `span.<part>` for the root
   * span (`span.end_time`, `span.inputs.messages`, `span.attributes.usage.total_tokens`).
   */
  extract_fields: z.array(z.string()).nullish(),
});

/** Counts stop at `limit` (default 10,000, at most 1,000,000) so a total stays as quick as a page. */
const countBody = z.object({
  experiment_ids: z.array(experimentId).min(1, 'must name at least one experiment').max(100),
  filter_string: z.string().nullish(),
  limit: z.number().int().min(1).max(1_000_000).default(10_000),
});

export async function searchRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/api/v1/traces/search', { config: { role: 'reader' }, ...documented({ body: searchBody, response: { 200: traceSearchJson } }) }, async (request) => {
    const body = parseWith(searchBody, request.body ?? {});
    const result = await searchTracesRequest(ctx.db, {
      experiment_ids: body.experiment_ids,
      filter_string: body.filter_string ?? undefined,
      order_by: body.order_by ?? undefined,
      max_results: body.max_results,
      page_token: body.page_token ?? undefined,
      extract_fields: body.extract_fields ?? undefined,
    }, { timeoutMs: ctx.config.searchTimeoutMs });
    return {
      traces: result.traces.map(({ assessments, extracted, ...info }) => ({
        ...traceInfoToJson(info, assessments),
        ...(extracted ? { extracted } : {}),
      })),
      ...(result.next_page_token ? { next_page_token: result.next_page_token } : {}),
    };
  });

  app.post('/api/v1/traces/count', { config: { role: 'reader' }, ...documented({ body: countBody, response: { 200: traceCountJson } }) }, async (request) => {
    const body = parseWith(countBody, request.body ?? {});
    return countTracesRequest(ctx.db, { experiment_ids: body.experiment_ids, filter_string: body.filter_string ?? undefined, limit: body.limit }, { timeoutMs: ctx.config.searchTimeoutMs });
  });
}
