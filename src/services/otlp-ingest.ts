/**
 * OTLP trace export, whichever transport brought it (HTTP or gRPC): spans mapped per trace, each
 * trace written to the experiment its request or resource names. A bad span rejects its own trace
 * only, and the answer says how many spans were not taken and why (OTLP's partial success); an
 * export in which nothing is usable is an error naming the field.
 */
import { invalid } from '../domain/errors.ts';
import { mapOtlpSpansPartially } from '../domain/otlp-mapping.ts';
import type { OtlpResourceSpans } from '../domain/otlp-types.ts';
import type { IncomingTrace } from '../domain/trace.ts';
import type { Db } from '../storage/connect.ts';
import { ingestByExperiment } from './ingest.ts';

export interface OtlpExportResult {
  /** Spans written. */
  spans: number;
  /** Spans not written (OTLP `rejected_spans`); 0 when everything was taken. */
  rejectedSpans: number;
  /** Why, naming the fields (OTLP `error_message`); empty when nothing was rejected. */
  errorMessage: string;
}

/** At most this many reasons are listed in one answer; the rest are counted. */
const MAX_MESSAGES = 5;

/**
 * Writes an export. `experimentId` comes from the request (header or gRPC metadata) and wins over
 * the resource attribute `assay.experiment_id`. Every experiment named is checked before anything is
 * written, and all of them are written in one transaction: a request naming an unknown one, or
 * failing in any, writes nothing.
 */
export async function ingestOtlpExport(
  db: Db,
  resourceSpans: readonly OtlpResourceSpans[],
  experimentId: string | undefined,
): Promise<OtlpExportResult> {
  const { traces, rejected } = mapOtlpSpansPartially(resourceSpans);
  const errorMessage = describe(rejected.messages);
  if (traces.length === 0 && rejected.spans > 0) throw invalid(errorMessage);
  const { spans } = await ingestByExperiment(db, groupByExperiment(traces, experimentId), 'otlp');
  return { spans, rejectedSpans: rejected.spans, errorMessage };
}

function describe(messages: readonly string[]): string {
  const shown = messages.slice(0, MAX_MESSAGES).join('; ');
  return messages.length > MAX_MESSAGES ? `${shown}; and ${messages.length - MAX_MESSAGES} more` : shown;
}

function groupByExperiment(traces: IncomingTrace[], fromRequest: string | undefined): Map<string, IncomingTrace[]> {
  const out = new Map<string, IncomingTrace[]>();
  for (const trace of traces) {
    const experimentId = fromRequest ?? trace.experiment_hint;
    if (!experimentId) {
      throw invalid(
        'x-assay-experiment-id: no experiment given; send the header (or x-mlflow-experiment-id) or the resource attribute assay.experiment_id',
      );
    }
    const list = out.get(experimentId);
    if (list) list.push(trace);
    else out.set(experimentId, [trace]);
  }
  return out;
}
