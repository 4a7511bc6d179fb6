/** Sessions: `GET /api/v1/experiments/{id}/sessions` and `GET …/sessions/{session_id}`. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { assessmentToJson } from '../../domain/assessment.ts';
import { countExperimentSessions, getExperimentSession, listExperimentSessions, type SessionWithFeedback } from '../../services/sessions.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';
import { decodePageToken, encodePageToken } from '../page-token.ts';
import { sessionCountJson, sessionListJson, sessionViewJson } from '../schemas/sessions.ts';
import { traceInfoToJson } from '../trace-json.ts';
import { parseWith } from '../validate.ts';

const listQuery = z.object({
  filter_string: z.string().max(10_000).optional(),
  user_id: z.string().min(1).max(1000).optional(),
  max_results: z.coerce.number().int().min(1).max(1000).default(100),
  page_token: z.string().optional(),
});
const countBody = z.object({
  filter_string: z.string().max(10_000).nullish(),
  user_id: z.string().min(1).max(1000).nullish(),
  limit: z.number().int().min(1).max(1_000_000).default(10_000),
});
const listCursor = z.object({ t: z.number(), s: z.string() });

const viewQuery = z.object({
  max_results: z.coerce.number().int().min(1).max(5000).default(1000),
  page_token: z.string().optional(),
});
const viewCursor = z.object({ t: z.number(), id: z.string() });

function sessionToJson(s: SessionWithFeedback) {
  return {
    session_id: s.session_id,
    user_id: s.user_id,
    turns: s.turns,
    first_time: new Date(s.first_time).toISOString(),
    last_time: new Date(s.last_time).toISOString(),
    last_trace_id: s.last_trace_id,
    assessments: s.assessments.map(assessmentToJson),
  };
}

export async function sessionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/api/v1/experiments/:id/sessions',
    { config: { role: 'reader' }, ...documented({ querystring: listQuery, response: { 200: sessionListJson } }) },
    async (request) => {
      const query = parseWith(listQuery, request.query);
      const after = query.page_token ? decodePageToken(query.page_token, listCursor) : undefined;
      const sessions = await listExperimentSessions(ctx.db, request.params.id, {
        filter_string: query.filter_string,
        user_id: query.user_id,
        max_results: query.max_results,
        after: after ? { last_time: after.t, session_id: after.s } : undefined,
      }, { searchTimeoutMs: ctx.config.searchTimeoutMs });
      const last = sessions.at(-1);
      return {
        sessions: sessions.map(sessionToJson),
        ...(last && sessions.length === query.max_results ? { next_page_token: encodePageToken({ t: last.last_time, s: last.session_id }) } : {}),
      };
    },
  );

  // POST, as for traces: `GET …/sessions/count` would hide a session named "count".
  app.post<{ Params: { id: string } }>(
    '/api/v1/experiments/:id/sessions/count',
    { config: { role: 'reader' }, ...documented({ body: countBody, response: { 200: sessionCountJson } }) },
    async (request) => {
      const body = parseWith(countBody, request.body ?? {});
      return countExperimentSessions(ctx.db, request.params.id, {
        filter_string: body.filter_string ?? undefined,
        user_id: body.user_id ?? undefined,
        limit: body.limit,
      }, { searchTimeoutMs: ctx.config.searchTimeoutMs });
    },
  );

  app.get<{ Params: { id: string; sessionId: string } }>(
    '/api/v1/experiments/:id/sessions/:sessionId',
    { config: { role: 'reader' }, ...documented({ querystring: viewQuery, response: { 200: sessionViewJson } }) },
    async (request) => {
      const query = parseWith(viewQuery, request.query);
      const after = query.page_token ? decodePageToken(query.page_token, viewCursor) : undefined;
      const view = await getExperimentSession(ctx.db, request.params.id, request.params.sessionId, {
        limit: query.max_results,
        after: after ? { request_time: after.t, trace_id: after.id } : undefined,
      });
      const last = view.turns.at(-1);
      return {
        ...sessionToJson(view.session),
        traces: view.turns.map((t) => traceInfoToJson(t.info, t.assessments)),
        conversation: view.turns.map((t) => ({
          trace_id: t.info.trace_id,
          request_time: new Date(t.info.request_time).toISOString(),
          user: t.user,
          assistant: t.assistant,
        })),
        ...(last && view.turns.length === query.max_results
          ? { next_page_token: encodePageToken({ t: last.info.request_time, id: last.info.trace_id }) }
          : {}),
      };
    },
  );
}
