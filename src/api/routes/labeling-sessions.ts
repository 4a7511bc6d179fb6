/**
 * Labeling sessions (DESIGN §16): create, list, read with progress, change, delete; add traces by
 * id or filter; read the traces with their labels; sync the labeled expectations into a dataset.
 * Labels themselves are written as assessments (`POST /api/v1/traces/{id}/assessments`).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../domain/errors.ts';
import { labelSchemasSchema } from '../../domain/labeling-session.ts';
import { parseExperimentId } from '../../storage/experiment-repository.ts';
import {
  deleteSessionRow,
  getSessionRow,
  listSessionRows,
  removeSessionTrace,
  updateSessionRow,
} from '../../storage/labeling-session-repository.ts';
import { addTraces, checkAssignedUsers, createSession, sessionTraces, sessionView, syncSession } from '../../services/labeling-sessions.ts';
import type { AppContext } from '../context.ts';
import { decodePageToken, encodePageToken } from '../page-token.ts';
import { documented } from '../openapi-schema.ts';
import { labelingSessionJson, sessionTraceJson, syncJson } from '../schemas/labeling.ts';
import { parseWith } from '../validate.ts';

const BASE = '/api/v1/labeling-sessions';
const USER = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/, 'must be a token name');
const sessionName = z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(200);

const createBody = z
  .object({
    name: sessionName,
    experiment_id: z.union([z.string(), z.number()], { error: 'must be an experiment id' }).transform(String),
    label_schemas: labelSchemasSchema,
    assigned_users: z.array(USER, { error: 'must be a list of token names' }).max(200).default([]),
  })
  .strict();

const patchBody = z
  .object({
    name: sessionName.optional(),
    label_schemas: labelSchemasSchema.optional(),
    assigned_users: z.array(USER, { error: 'must be a list of token names' }).max(200).optional(),
  })
  .strict();

const addBody = z.union([
  z.object({ trace_ids: z.array(z.string().min(1), { error: 'must be a list of trace ids' }).min(1, 'give at least one trace id').max(100_000) }).strict(),
  z.object({ filter_string: z.string({ error: 'must be a string' }), max_results: z.number().int().min(1).max(100_000).default(1000) }).strict(),
], { error: 'give trace_ids or filter_string' });

const syncBody = z.object({ dataset_name: z.string({ error: "must be a string '<schema>.<table>'" }) }).strict();

const listQuery = z
  .object({
    experiment_id: z.string().optional(),
    max_results: z.coerce.number().int().min(1).max(500).default(100),
    page_token: z.string().optional(),
  })
  .strict();

const tracesQuery = z
  .object({ max_results: z.coerce.number().int().min(1).max(500).default(100), page_token: z.string().optional() })
  .strict();

const offsetCursor = z.object({ o: z.number().int().min(0) });
const positionCursor = z.object({ p: z.number().int().min(0) });
type P = { Params: { id: string } };

export async function labelingSessionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post(BASE, { config: { role: 'writer' }, ...documented({ body: createBody, response: { 201: labelingSessionJson } }) }, async (request, reply) => {
    const body = parseWith(createBody, request.body);
    const session = await createSession(ctx.db, body, request.principal.name);
    // The contract's flat shape: `labeling_session_id` at the top.
    return reply.code(201).send(session);
  });

  app.get(BASE, { config: { role: 'reader' }, ...documented({ querystring: listQuery, response: { 200: z.object({ labeling_sessions: z.array(labelingSessionJson), next_page_token: z.string().optional() }) } }) }, async (request) => {
    const query = parseWith(listQuery, request.query);
    const offset = query.page_token ? decodePageToken(query.page_token, offsetCursor).o : 0;
    const experimentId = query.experiment_id === undefined ? undefined : parseExperimentId(query.experiment_id);
    if (query.experiment_id !== undefined && experimentId === undefined) return { labeling_sessions: [] };
    const rows = await listSessionRows(ctx.db, { experimentId, limit: query.max_results, offset });
    const sessions = [];
    for (const row of rows) sessions.push(await sessionView(ctx.db, row));
    return {
      labeling_sessions: sessions,
      ...(rows.length === query.max_results ? { next_page_token: encodePageToken({ o: offset + rows.length }) } : {}),
    };
  });

  app.get<P>(`${BASE}/:id`, { config: { role: 'reader' }, ...documented({ response: { 200: labelingSessionJson } }) }, async (request) =>
    sessionView(ctx.db, await getSessionRow(ctx.db, request.params.id)));

  app.patch<P>(`${BASE}/:id`, { config: { role: 'writer' }, ...documented({ body: patchBody, response: { 200: labelingSessionJson } }) }, async (request) => {
    const body = parseWith(patchBody, request.body);
    const row = await getSessionRow(ctx.db, request.params.id);
    const assigned = body.assigned_users ? await checkAssignedUsers(ctx.db, body.assigned_users) : undefined;
    const updated = await updateSessionRow(ctx.db, row.labeling_session_id, { ...body, assigned_users: assigned });
    return sessionView(ctx.db, updated);
  });

  app.delete<P>(`${BASE}/:id`, { config: { role: 'writer' }, ...documented({ response: { 204: null } }) }, async (request, reply) => {
    if (!(await deleteSessionRow(ctx.db, request.params.id))) throw notFound(`labeling_session_id: labeling session '${request.params.id}' does not exist`);
    return reply.code(204).send();
  });

  app.post<P>(`${BASE}/:id/traces`, { config: { role: 'writer' }, ...documented({ body: addBody, response: { 200: z.object({ added: z.number(), trace_count: z.number() }) } }) }, async (request) => {
    const row = await getSessionRow(ctx.db, request.params.id);
    const body = parseWith(addBody, request.body);
    return addTraces(ctx.db, row, body, request.principal.name, ctx.config.searchTimeoutMs);
  });

  app.get<P>(`${BASE}/:id/traces`, { config: { role: 'reader' }, ...documented({ querystring: tracesQuery, response: { 200: z.object({ traces: z.array(sessionTraceJson), next_page_token: z.string().optional() }) } }) }, async (request) => {
    const query = parseWith(tracesQuery, request.query);
    const row = await getSessionRow(ctx.db, request.params.id);
    const after = query.page_token ? decodePageToken(query.page_token, positionCursor).p : 0;
    const traces = await sessionTraces(ctx.db, row, { after, limit: query.max_results });
    const last = traces.at(-1);
    return { traces, ...(last && traces.length === query.max_results ? { next_page_token: encodePageToken({ p: last.position }) } : {}) };
  });

  app.delete<{ Params: { id: string; traceId: string } }>(`${BASE}/:id/traces/:traceId`, { config: { role: 'writer' }, ...documented({ response: { 204: null } }) }, async (request, reply) => {
    const row = await getSessionRow(ctx.db, request.params.id);
    if (!(await removeSessionTrace(ctx.db, row.labeling_session_id, request.params.traceId))) {
      throw notFound(`trace_id: trace '${request.params.traceId}' is not in labeling session '${request.params.id}'`);
    }
    return reply.code(204).send();
  });

  app.post<P>(`${BASE}/:id/sync`, { config: { role: 'writer' }, ...documented({ body: syncBody, response: { 200: syncJson } }) }, async (request) => {
    const row = await getSessionRow(ctx.db, request.params.id);
    const body = parseWith(syncBody, request.body);
    return syncSession(ctx.db, row, body.dataset_name, { user: request.principal.name, limits: ctx.config.datasets, maxTraceBytes: ctx.config.bodyLimitBytes });
  });
}
