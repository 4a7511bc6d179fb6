/** Sessions (conversations) as the API answers them, for the OpenAPI document. */
import { z } from 'zod';
import { assessmentJson, traceInfoJson } from './traces.ts';

export const sessionJson = z.object({
  session_id: z.string(),
  user_id: z.string().nullable(),
  /** Number of traces (turns) in the session. */
  turns: z.number(),
  /** Request time of the first turn (RFC 3339). */
  first_time: z.string(),
  /** End of the last turn (RFC 3339). */
  last_time: z.string(),
  last_trace_id: z.string(),
  /** Valid session-level feedback (assessments whose metadata names the session). */
  assessments: z.array(assessmentJson),
});

export const sessionListJson = z.object({ sessions: z.array(sessionJson), next_page_token: z.string().optional() });

export const sessionCountJson = z.object({ count: z.number().int(), more: z.boolean() });

export const conversationTurnJson = z.object({
  trace_id: z.string(),
  request_time: z.string(),
  /** The user's message of this turn as text (null when the request holds none). */
  user: z.string().nullable(),
  /** The assistant's answer as text (null when the response holds none). */
  assistant: z.string().nullable(),
});

export const sessionViewJson = sessionJson.extend({
  /** The session's traces in order (request time, then trace id), each with its assessments. */
  traces: z.array(traceInfoJson),
  conversation: z.array(conversationTurnJson),
  /** Continues the list of traces. */
  next_page_token: z.string().optional(),
});
