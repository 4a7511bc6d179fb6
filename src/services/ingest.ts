/**
 * Trace ingest: one transaction per request, so a rejected batch writes nothing.
 *
 * MLflow JSON brings whole traces; their summary is computed from what arrived. OTLP brings spans
 * that may be spread over several requests; each touched trace is summarised from the spans stored
 * for it plus the new ones, so the trace completes when its root span ends.
 */
import { createHash } from 'node:crypto';
import { AssayError, invalid } from '../domain/errors.ts';
import type { IncomingTrace, Span } from '../domain/trace.ts';
import { summarizeTrace } from '../domain/trace-summary.ts';
import { spansIngested, tracesIngested } from '../observability/metrics.ts';
import { insertAssessments } from '../storage/assessment-repository.ts';
import type { Db } from '../storage/connect.ts';
import { getExperiment } from '../storage/experiment-repository.ts';
import { loadSpans, lockTraceIds, traceExperiments, upsertSpans, upsertTraces, type Executor, type TraceWrite } from '../storage/trace-repository.ts';

export interface IngestResult {
  traces: number;
  spans: number;
  trace_ids: string[];
}

export async function ingestTraces(
  db: Db,
  experimentId: string,
  incoming: readonly IncomingTrace[],
  protocol: 'rest' | 'otlp',
): Promise<IngestResult> {
  return ingestByExperiment(db, new Map([[experimentId, incoming]]), protocol);
}

/**
 * Writes the traces of one or more experiments (an OTLP export may name several) in one
 * transaction: every experiment is checked first, and a rejected batch writes nothing.
 */
export async function ingestByExperiment(
  db: Db,
  groups: ReadonlyMap<string, readonly IncomingTrace[]>,
  protocol: 'rest' | 'otlp',
): Promise<IngestResult> {
  const experimentOf = new Map<string, number>();
  const merged: IncomingTrace[] = [];
  for (const [id, incoming] of groups) {
    const experiment = Number((await getExperiment(db, id)).experiment_id);
    for (const trace of mergeByTrace(incoming)) {
      if (experimentOf.has(trace.trace_id)) {
        throw invalid(`trace_id: trace '${trace.trace_id}' is sent to two experiments in one request`);
      }
      experimentOf.set(trace.trace_id, experiment);
      merged.push(trace);
    }
  }
  const spans = merged.flatMap((t) => t.spans);

  await db.transaction().execute(async (trx) => {
    // OTLP traces are summarised from everything stored so far plus this request's spans. Their
    // `info` may still be set (session/user metadata), so the protocol decides, not `info`.
    const isPartial = (t: IncomingTrace) => protocol === 'otlp' || t.info === null;
    const partial = merged.filter(isPartial).map((t) => t.trace_id);
    // Concurrent requests carrying spans of the same trace are serialised: each must see the
    // other's spans when it summarises, or the later commit could leave a finished trace marked
    // IN_PROGRESS.
    await lockTraceIds(trx, partial);
    const existing = await existingTraces(trx, experimentOf);
    // A trace seen for the first time has nothing stored to read back (the usual case).
    const earlier = partial.filter((id) => existing.has(id));
    const stored = earlier.length > 0 ? groupSpans(await loadSpans(trx, earlier)) : new Map<string, Span[]>();
    const writes: TraceWrite[] = merged.map((t) => {
      const traceSpans = isPartial(t) ? withStored(stored.get(t.trace_id), t.spans) : t.spans;
      return {
        trace_id: t.trace_id,
        experiment_id: experimentOf.get(t.trace_id)!,
        client_request_id: t.info?.client_request_id ?? null,
        trace_metadata: t.info?.trace_metadata ?? {},
        tags: t.info?.tags ?? {},
        summary: summarizeTrace(traceSpans, t.info),
      };
    });
    // Trace rows first: spans reference them. Rows go in key order, so two requests upserting
    // overlapping traces lock the rows in the same order and never deadlock.
    await upsertTraces(trx, writes.sort((a, b) => compare(a.trace_id, b.trace_id)));
    if (spans.length > 0) {
      const ordered = [...spans].sort((a, b) => compare(a.trace_id, b.trace_id) || compare(a.span_id, b.span_id));
      await upsertSpans(trx, ordered);
    }
    const assessments = merged.flatMap((t) =>
      t.assessments.map((a, i) => ({ ...a, trace_id: t.trace_id, assessment_id: a.assessment_id ?? importedAssessmentId(t.trace_id, i, a.name) })),
    );
    assessments.sort((a, b) => compare(a.assessment_id ?? '', b.assessment_id ?? ''));
    if (assessments.length > 0) await insertAssessments(trx, assessments);
  });

  tracesIngested.inc({ protocol }, merged.length);
  spansIngested.inc({ protocol }, spans.length);
  return { traces: merged.length, spans: spans.length, trace_ids: merged.map((t) => t.trace_id) };
}

/** One entry per trace id (a batch may carry the same trace twice, OTLP often does). */
function mergeByTrace(incoming: readonly IncomingTrace[]): IncomingTrace[] {
  const byId = new Map<string, IncomingTrace>();
  for (const trace of incoming) {
    const seen = byId.get(trace.trace_id);
    if (!seen) {
      byId.set(trace.trace_id, { ...trace, spans: [...trace.spans], assessments: [...trace.assessments] });
      continue;
    }
    if ((seen.info === null) !== (trace.info === null)) {
      throw invalid(`trace_id: trace '${trace.trace_id}' appears twice in one request in different forms`);
    }
    seen.spans.push(...trace.spans);
    seen.assessments.push(...trace.assessments);
    if (seen.info && trace.info) seen.info = { ...seen.info, ...trace.info };
  }
  // A span sent twice in one batch: the later copy wins, as it would across requests.
  for (const trace of byId.values()) {
    trace.spans = [...new Map(trace.spans.map((s) => [s.span_id, s])).values()];
  }
  return [...byId.values()];
}

/** Stored spans with this request's copies replacing the ones they re-send. */
function withStored(stored: Span[] | undefined, incoming: Span[]): Span[] {
  if (!stored || stored.length === 0) return incoming;
  const fresh = new Set(incoming.map((s) => s.span_id));
  return [...stored.filter((s) => !fresh.has(s.span_id)), ...incoming];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function groupSpans(spans: Span[]): Map<string, Span[]> {
  const out = new Map<string, Span[]>();
  for (const span of spans) {
    const list = out.get(span.trace_id);
    if (list) list.push(span);
    else out.set(span.trace_id, [span]);
  }
  return out;
}

/**
 * The ids among `experimentOf`'s traces already stored. A trace belongs to one experiment for good:
 * re-sending it to another one is a conflict.
 */
async function existingTraces(db: Executor, experimentOf: ReadonlyMap<string, number>): Promise<Set<string>> {
  const rows = await traceExperiments(db, [...experimentOf.keys()]);
  const clash = rows.find((r) => r.experiment_id !== experimentOf.get(r.trace_id));
  if (clash) {
    throw new AssayError(
      'RESOURCE_CONFLICT',
      `trace_id: trace '${clash.trace_id}' already belongs to experiment '${clash.experiment_id}'`,
    );
  }
  return new Set(rows.map((r) => r.trace_id));
}

/**
 * An export's assessment without an id gets one from its place in its trace, so sending the same
 * export twice replaces it instead of adding a copy.
 */
function importedAssessmentId(traceId: string, index: number, name: string): string {
  return `a-${createHash('sha256').update(`${traceId}\n${index}\n${name}`).digest('hex').slice(0, 32)}`;
}
