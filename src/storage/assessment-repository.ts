/** Assessments: feedback and expectations on traces. */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Assessment, AssessmentSource, FeedbackDraft } from '../domain/assessment.ts';
import type { IncomingAssessment } from '../domain/trace.ts';
import { batches, toJsonb } from './json.ts';
import type { AssessmentTable } from './schema.ts';
import type { Selectable } from 'kysely';
import type { Executor } from './connect.ts';

export function newAssessmentId(): string {
  return `a-${randomUUID().replaceAll('-', '')}`;
}

export function rowToAssessment(r: Selectable<AssessmentTable>): Assessment {
  return {
    assessment_id: r.assessment_id,
    trace_id: r.trace_id,
    span_id: r.span_id,
    name: r.name,
    kind: r.kind,
    value: r.value,
    rationale: r.rationale,
    error: r.error,
    source: { source_type: r.source_type as AssessmentSource['source_type'], source_id: r.source_id },
    metadata: r.metadata,
    overrides: r.overrides,
    valid: r.valid,
    create_time: r.create_time,
    last_update_time: r.last_update_time,
  };
}

export interface AssessmentWrite extends IncomingAssessment {
  trace_id: string;
  /** Business identity for machine-written assessments; a second write with the same key is ignored. */
  idempotency_key?: string | null;
}

/**
 * Inserts assessments. A given assessment_id that exists is replaced (an import sent twice);
 * an idempotency key that exists is left alone (a retried judge result). Returns the ids written.
 * An assessment lives in its trace's partition (the key from `assay.trace_key`); one whose trace
 * does not exist (never ingested, or dropped by retention meanwhile) is not written.
 */
export async function insertAssessments(db: Executor, items: readonly AssessmentWrite[]): Promise<string[]> {
  const written: string[] = [];
  const keys = await traceKeys(db, [...new Set(items.map((a) => a.trace_id))]);
  const stored = items.filter((a) => keys.has(a.trace_id));
  const withKey = stored.filter((a) => a.idempotency_key);
  const withoutKey = stored.filter((a) => !a.idempotency_key);
  const row = (a: AssessmentWrite) => ({ ...toRow(a), ...keys.get(a.trace_id)! });
  for (const batch of batches(withoutKey, 19)) {
    const rows = await db
      .insertInto('assay.assessment')
      .values(batch.map(row))
      .onConflict((oc) =>
        oc.columns(['assessment_id', 'retention_class', 'trace_created_at']).doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          value: eb.ref('excluded.value'),
          rationale: eb.ref('excluded.rationale'),
          error: eb.ref('excluded.error'),
          metadata: eb.ref('excluded.metadata'),
          valid: eb.ref('excluded.valid'),
          last_update_time: eb.ref('excluded.last_update_time'),
        })),
      )
      .returning('assessment_id')
      .execute();
    written.push(...rows.map((r) => r.assessment_id));
  }
  for (const batch of batches(withKey, 19)) {
    const rows = await db
      .insertInto('assay.assessment')
      .values(batch.map(row))
      .onConflict((oc) => oc.columns(['idempotency_key', 'retention_class', 'trace_created_at']).doNothing())
      .returning('assessment_id')
      .execute();
    written.push(...rows.map((r) => r.assessment_id));
  }
  return written;
}

/**
 * The partition key of each trace that exists. The time travels as Postgres' own text: a JS Date
 * would drop its microseconds, and the key must match the stored one exactly.
 */
async function traceKeys(db: Executor, traceIds: readonly string[]): Promise<Map<string, { retention_class: number; trace_created_at: string }>> {
  const out = new Map<string, { retention_class: number; trace_created_at: string }>();
  for (let i = 0; i < traceIds.length; i += 5000) {
    const rows = await db
      .selectFrom('assay.trace_key')
      .select(['trace_id', 'retention_class', sql<string>`created_at::text`.as('created_at')])
      .where('trace_id', 'in', traceIds.slice(i, i + 5000))
      .execute();
    for (const r of rows) out.set(r.trace_id, { retention_class: r.retention_class, trace_created_at: r.created_at });
  }
  return out;
}

function toRow(a: AssessmentWrite) {
  const now = new Date();
  return {
    assessment_id: a.assessment_id ?? newAssessmentId(),
    trace_id: a.trace_id,
    span_id: a.span_id,
    name: a.name,
    kind: a.kind,
    value: toJsonb(a.value),
    rationale: a.rationale,
    error: toJsonb(a.error),
    source_type: a.source.source_type,
    source_id: a.source.source_id,
    metadata: JSON.stringify(a.metadata),
    overrides: a.overrides,
    valid: a.valid,
    idempotency_key: a.idempotency_key ?? null,
    create_time: a.create_time ?? now,
    last_update_time: a.last_update_time ?? a.create_time ?? now,
  };
}

/** A scorer's draft as an assessment write. */
export function feedbackWrite(traceId: string, draft: FeedbackDraft, idempotencyKey: string | null): AssessmentWrite {
  return {
    trace_id: traceId,
    name: draft.name,
    kind: 'feedback',
    span_id: draft.span_id ?? null,
    value: draft.value,
    rationale: draft.rationale,
    error: draft.error,
    source: draft.source,
    metadata: draft.metadata ?? {},
    overrides: null,
    valid: true,
    idempotency_key: idempotencyKey,
  };
}

export async function getAssessment(db: Executor, traceId: string, assessmentId: string): Promise<Assessment | undefined> {
  const row = await db
    .selectFrom('assay.assessment')
    .selectAll()
    .where('trace_id', '=', traceId)
    .where('assessment_id', '=', assessmentId)
    .executeTakeFirst();
  return row && rowToAssessment(row);
}

export interface AssessmentPatch {
  name?: string;
  value?: Assessment['value'];
  rationale?: string | null;
  error?: Assessment['error'];
  metadata?: Record<string, string>;
  valid?: boolean;
}

/** Updates in place; metadata keys are merged into the stored ones; source never changes. */
export async function updateAssessment(
  db: Executor,
  traceId: string,
  assessmentId: string,
  patch: AssessmentPatch,
): Promise<Assessment | undefined> {
  const row = await db
    .updateTable('assay.assessment')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.value !== undefined ? { value: toJsonb(patch.value) } : {}),
      ...(patch.rationale !== undefined ? { rationale: patch.rationale } : {}),
      ...(patch.error !== undefined ? { error: toJsonb(patch.error) } : {}),
      ...(patch.metadata !== undefined ? { metadata: sql`metadata || ${JSON.stringify(patch.metadata)}::jsonb` } : {}),
      ...(patch.valid !== undefined ? { valid: patch.valid } : {}),
      last_update_time: new Date(),
    })
    .where('trace_id', '=', traceId)
    .where('assessment_id', '=', assessmentId)
    .returningAll()
    .executeTakeFirst();
  return row && rowToAssessment(row);
}

export async function deleteAssessment(db: Executor, traceId: string, assessmentId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('assay.assessment')
    .where('trace_id', '=', traceId)
    .where('assessment_id', '=', assessmentId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Idempotency keys starting with `prefix` stored on these traces (what an earlier attempt wrote). */
export async function storedKeysWithPrefix(db: Executor, traceIds: readonly string[], prefix: string): Promise<Set<string>> {
  const keys = new Set<string>();
  for (let i = 0; i < traceIds.length; i += 5000) {
    const rows = await db
      .selectFrom('assay.assessment')
      .select('idempotency_key')
      .where('trace_id', 'in', traceIds.slice(i, i + 5000))
      .where('idempotency_key', 'like', `${prefix}%`)
      .execute();
    for (const r of rows) if (r.idempotency_key) keys.add(r.idempotency_key);
  }
  return keys;
}

/** A trace's feedback whose idempotency key starts with `prefix`. */
export async function feedbackWithKeyPrefix(db: Executor, traceId: string, prefix: string): Promise<Array<Selectable<AssessmentTable>>> {
  return db
    .selectFrom('assay.assessment')
    .selectAll()
    .where('trace_id', '=', traceId)
    .where('kind', '=', 'feedback')
    .where('idempotency_key', 'like', `${prefix}%`)
    .execute();
}

/** Which of these idempotency keys are stored. */
export async function storedIdempotencyKeys(db: Executor, keys: readonly string[]): Promise<Set<string>> {
  const stored = new Set<string>();
  for (let i = 0; i < keys.length; i += 5000) {
    const rows = await db.selectFrom('assay.assessment').select('idempotency_key').where('idempotency_key', 'in', keys.slice(i, i + 5000)).execute();
    for (const r of rows) if (r.idempotency_key) stored.add(r.idempotency_key);
  }
  return stored;
}
