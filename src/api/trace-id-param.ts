/**
 * A trace id as a path names it: Assay's (and MLflow's) `tr-<32 hex>`, the raw 32-hex OpenTelemetry
 * id an exporter logs, or MLflow's base64 span-level form (URL-encoded or URL-safe). Anything else
 * is kept as given, so the answer is the usual 404 naming it.
 */
import { normalizeTraceId } from '../domain/trace-ids.ts';

export function traceIdParam(raw: string): string {
  return normalizeTraceId(raw) ?? raw;
}
