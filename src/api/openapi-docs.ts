/**
 * What the OpenAPI document says about each route: a tag (the resource) and a one-line summary,
 * with the role it needs. The request and response schemas come from the zod schemas the routes
 * are documented with (`documented` in openapi-schema.ts), not from here.
 */
import type { RouteOptions } from 'fastify';

const SUMMARIES: Record<string, string> = {
  'GET /healthz': 'Liveness: the process is up',
  'GET /readyz': 'Readiness: 503 while shutting down or when the database is unreachable',
  'GET /metrics': 'Prometheus metrics (text format)',
  'POST /api/v1/experiments': 'Create an experiment {name, tags?}',
  'GET /api/v1/experiments': 'List experiments (?name=)',
  'GET /api/v1/experiments/:id': 'Get an experiment',
  'PATCH /api/v1/experiments/:id': 'Set how many days an experiment keeps its traces',
  'POST /api/v1/experiments/:id/traces': 'Ingest MLflow trace JSON: one trace or {traces: [...]}',
  'GET /api/v1/experiments/:id/traces': 'List an experiment’s traces, newest first (?max_results, page_token)',
  'GET /api/v1/traces/:traceId': "Get a trace with its spans and assessments (by tr- id, raw 32-hex OTel id or base64); ?format=mlflow answers MLflow's Trace.to_json() document",
  'POST /v1/traces': 'OTLP/HTTP trace export (protobuf or JSON); experiment from x-assay-experiment-id',
  'POST /api/v1/traces/search': 'Search traces with MLflow’s filter language {experiment_ids, filter_string, order_by, max_results, page_token}',
  'POST /api/v1/traces/count': 'Count the traces a filter matches, up to a limit {experiment_ids, filter_string, limit}',
  'POST /api/v1/traces/:traceId/assessments': 'Log a feedback or an expectation (overrides: the feedback it replaces)',
  'GET /api/v1/traces/:traceId/assessments/:assessmentId': 'Get an assessment',
  'PATCH /api/v1/traces/:traceId/assessments/:assessmentId': 'Update an assessment (metadata merged, source unchanged)',
  'DELETE /api/v1/traces/:traceId/assessments/:assessmentId': 'Delete an assessment',
  'GET /api/v1/experiments/:id/monitor': 'Get the monitor config document (ETag)',
  'PUT /api/v1/experiments/:id/monitor': 'Create or replace the whole monitor config (If-Match)',
  'DELETE /api/v1/experiments/:id/monitor': 'Stop monitoring (the results table stays)',
  'POST /api/v1/experiments/:id/monitor/run': 'Start a monitoring run now',
  'GET /api/v1/experiments/:id/monitor/runs': 'Monitoring run history with counts, tokens, cost and errors',
  'POST /api/v1/experiments/:id/monitor/test': 'Run the scorers on the latest traces without writing {max_traces?, scorers?}',
  'POST /api/v1/experiments/:id/monitor/backfill': 'Estimate, then (confirm: true) judge a past time range {start_time, end_time}',
  'GET /api/v1/experiments/:id/monitor/trends': 'Per-scorer pass rate or mean per run or per hour, with a 95% band (Wilson for pass/fail)',
  'GET /api/v1/experiments/:id/overview': 'Dashboard numbers over a range: volume, errors, latency p50/p95, tokens, cost per hour or day; judge calls and spend per day',
  'GET /api/v1/datasets/:name/diff': 'Records added, removed and changed between two versions (?from, to), with the changed keys',
  'GET /api/v1/traces/:traceId/monitor-decisions': 'Why the trace was (not) scored: per scorer its filters, u against the rate, applicability, budget and feedback',
  'GET /api/v1/experiments/:id/monitor/decisions': 'The same explanation for ?trace_id= of this experiment',
  'GET /api/v1/experiments/:id/monitor/alerts': 'Alert rules with their state, and the history of state changes with their webhook deliveries',
  'GET /api/v1/experiments/:id/monitor/budget': 'The judge budget, its use in the current UTC day and the pairs waiting for it',
  'GET /api/v1/experiments/:id/sessions': 'List sessions (conversations): user, turns, first/last time, session-level feedback (?filter_string, user_id, max_results, page_token)',
  'POST /api/v1/experiments/:id/sessions/count': 'Count the sessions the list would show, up to a limit {filter_string?, user_id?, limit?}',
  'GET /api/v1/experiments/:id/sessions/:sessionId': 'A session with its traces in order and the conversation as text (?max_results, page_token)',
  'GET /api/v1/experiments/:id/judge-agreement': 'Judge–human agreement for every feedback name both gave: kappa, confusion matrix, disagreeing traces, guideline clusters (?name, max_disagreements, start_time, end_time)',
  'GET /api/v1/experiments/:id/judges/:name/agreement': 'Judge–human agreement for one feedback name (?max_disagreements, start_time, end_time)',
  'GET /api/v1/whoami': 'The caller’s name and role, and whether tokens are required',
  'GET /api/v1/scorers': 'List scorers with descriptions, required fields and aliases',
  'POST /api/v1/scorers/run': 'Run scorers on trace ids or records without storing the feedback',
  'POST /api/v1/datasets': 'Create a dataset {name: "schema.table", experiment_ids?, tags?}',
  'GET /api/v1/datasets': 'List datasets (name pattern, tags, creator; ordered, paged)',
  'GET /api/v1/datasets/:name': 'Get a dataset with its count, version, digest and evaluation runs',
  'PATCH /api/v1/datasets/:name': 'Update a dataset’s tags or experiment links',
  'DELETE /api/v1/datasets/:name': 'Delete a dataset',
  'POST /api/v1/datasets/:name/merge': 'merge_records: records, trace_ids or a search; makes a new version',
  'GET /api/v1/datasets/:name/records': 'Read records, at any version (?version=K), optionally only those whose inputs contain ?search=',
  'GET /api/v1/datasets/:name/versions': 'List versions with counts and digests',
  'PATCH /api/v1/datasets/:name/records/:recordId': 'Update one record’s expectations, tags or outputs',
  'DELETE /api/v1/datasets/:name/records/:recordId': 'Delete one record',
  'POST /api/v1/datasets/:name/records/delete': 'Delete records {dataset_record_ids}',
  'POST /api/v1/datasets/:name/synthesize': 'Have the judge write test cases from documents',
  'POST /api/v1/evaluations': 'Start an evaluation run {data, target?, scorers?, name?, experiment_id?, concurrency?}',
  'GET /api/v1/evaluations': 'List evaluation runs (?experiment_id, dataset)',
  'GET /api/v1/evaluations/compare': 'Compare runs (?run_ids=A,B): metric deltas, regressions, improvements',
  'GET /api/v1/evaluations/:id': 'Get an evaluation run: status, progress, metrics, dataset version',
  'GET /api/v1/evaluations/:id/rows': 'Rows with verdicts and rationales (paged; filter by failed judge)',
  'DELETE /api/v1/evaluations/:id': 'Delete an evaluation run',
  'POST /api/v1/labeling-sessions': 'Create a labeling session {name, experiment_id, label_schemas, assigned_users?}',
  'GET /api/v1/labeling-sessions': 'List labeling sessions with progress (?experiment_id)',
  'GET /api/v1/labeling-sessions/:id': 'Get a labeling session: schemas, labelers, progress',
  'PATCH /api/v1/labeling-sessions/:id': 'Rename a session or change its schemas or labelers',
  'DELETE /api/v1/labeling-sessions/:id': 'Delete a labeling session (traces and labels stay)',
  'POST /api/v1/labeling-sessions/:id/traces': 'Add traces {trace_ids} or {filter_string, max_results?}',
  'GET /api/v1/labeling-sessions/:id/traces': 'The session’s traces in order, with each schema’s labels (paged)',
  'DELETE /api/v1/labeling-sessions/:id/traces/:traceId': 'Remove a trace from the session',
  'POST /api/v1/labeling-sessions/:id/sync': 'Merge the session’s traces and labeled expectations into a dataset {dataset_name}',
  'GET /api/v1/tokens': 'List API tokens (names, roles, last use; never the tokens)',
  'POST /api/v1/tokens': 'Create an API token {name, role}; the token is in this answer only',
  'DELETE /api/v1/tokens/:name': 'Revoke an API token',
  'GET /api/v1/openapi.json': 'This document',
};

const TAGS: Array<[RegExp, string]> = [
  [/\/monitor/, 'monitors'],
  [/\/assessments/, 'assessments'],
  [/^\/api\/v1\/datasets/, 'datasets'],
  [/^\/api\/v1\/evaluations/, 'evaluations'],
  [/^\/api\/v1\/scorers/, 'scorers'],
  [/^\/api\/v1\/tokens/, 'tokens'],
  [/^\/api\/v1\/labeling-sessions/, 'labeling'],
  [/\/sessions/, 'sessions'],
  [/\/judge/, 'judges'],
  [/traces/, 'traces'],
  [/^\/api\/v1\/experiments/, 'experiments'],
];

/** Adds tag, summary and required role to a route's OpenAPI entry (an `onRoute` hook). */
export function describeRoute(route: RouteOptions): void {
  for (const method of [route.method].flat()) {
    if (method === 'HEAD') continue;
    const summary = SUMMARIES[`${method} ${route.url}`];
    const tag = TAGS.find(([pattern]) => pattern.test(route.url))?.[1] ?? 'service';
    const role = (route.config as { role?: string } | undefined)?.role ?? 'reader';
    route.schema = {
      tags: [tag],
      ...(summary ? { summary } : {}),
      description: role === 'public' ? 'No token needed.' : `Needs a token with role \`${role}\` or above.`,
      ...route.schema,
    };
  }
}
