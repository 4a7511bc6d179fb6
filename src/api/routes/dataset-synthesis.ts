/** `POST /api/v1/datasets/{name}/synthesize`: records written by the judge LLM from documents. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseDatasetName } from '../../domain/dataset-name.ts';
import { synthesizeDatasetRecords } from '../../services/synthesize-dataset.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';
import { synthesisJson } from '../schemas/datasets.ts';
import { parseWith } from '../validate.ts';

/** Most records one synthesis request may ask for: each is part of a judge answer. */
const MAX_SYNTHESIZED = 1000;

const body = z
  .object({
    documents: z
      .array(z.object({ doc_uri: z.string().min(1), content: z.string().trim().min(1, 'must not be empty') }).strict())
      .min(1, 'give at least one document')
      .max(MAX_SYNTHESIZED),
    num_records: z.number().int().min(1).max(MAX_SYNTHESIZED, `the limit is ${MAX_SYNTHESIZED} per request`).optional(),
    guidance: z.string().max(10_000).optional(),
  })
  .strict();

type NameParams = { Params: { name: string } };

export async function datasetSynthesisRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<NameParams>('/api/v1/datasets/:name/synthesize', { config: { role: 'writer' }, ...documented({ body, response: { 200: synthesisJson } }) }, async (request, reply) => {
    const name = parseDatasetName(request.params.name).full;
    const parsed = parseWith(body, request.body);
    const { judge } = ctx.judge;
    // A client that gives up stops the judge calls it would no longer wait for.
    const abort = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    return synthesizeDatasetRecords(
      ctx.db,
      judge,
      name,
      { documents: parsed.documents, num_records: parsed.num_records ?? parsed.documents.length, guidance: parsed.guidance },
      { user: request.principal.name, limits: ctx.config.datasets, signal: abort.signal },
    );
  });
}
