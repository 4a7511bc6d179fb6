/**
 * Which traces a monitoring run considers, decided from plain values; storage turns the answer
 * into SQL (storage/monitor-run-repository.ts) and the explain view into words.
 *
 * - A trace still in progress (its root span has not ended) is never taken: a later run takes it
 *   once it is complete, and judges the whole trace rather than a part of it.
 * - A scheduled or manual run takes the traces that changed since the monitor's cursor, a
 *   transaction id. The cursor starts at the monitor's creation (the snapshot of the transaction
 *   that created it), so a new monitor judges what arrives from then on, not its experiment's
 *   history; each successful run moves it to the snapshot its window was read under.
 * - A backfill takes complete traces by request time, `from <= request_time < to`, whatever the
 *   cursor, and leaves the cursor where it is.
 */
import type { TraceState } from './trace.ts';

export interface WindowRun {
  kind: 'scheduled' | 'manual' | 'backfill';
  backfill_from: number | null;
  backfill_to: number | null;
}

export interface RunWindow {
  /** The trace state the run leaves for later. */
  skipState: TraceState;
  /** Traces whose last change is at or after this transaction id (xid8 text); null: any. */
  changedFrom: string | null;
  /** Where the monitor's cursor moves when the run succeeds; null: it stays. */
  cursorTo: string | null;
  /** Request times taken, `from <= request_time < to` (ms); null: any. */
  requestTime: { from: number; to: number } | null;
}

/**
 * The window of a run: `cursor` is the monitor's cursor (undefined when the monitor is gone: the
 * window is then empty), `snapshotXmin` the xmin of the snapshot the window is read under.
 */
export function runWindow(run: WindowRun, cursor: string | undefined, snapshotXmin: string): RunWindow {
  if (run.kind === 'backfill') {
    return {
      skipState: 'IN_PROGRESS',
      changedFrom: null,
      cursorTo: null,
      requestTime: { from: run.backfill_from ?? 0, to: run.backfill_to ?? Number.MAX_SAFE_INTEGER },
    };
  }
  return { skipState: 'IN_PROGRESS', changedFrom: cursor ?? snapshotXmin, cursorTo: snapshotXmin, requestTime: null };
}

/** Where a trace stands with a monitor as a whole. */
export type TraceCoverage = 'in_progress' | 'in_active_run' | 'awaiting_run' | 'before_monitor' | 'processed';

export interface TraceStanding {
  state: string;
  /** Whether the trace's last change is below the monitor's cursor (a run already had its chance). */
  below_cursor: boolean;
  /** When the trace first arrived. */
  created_at: Date;
}

/** The coverage of a trace and why, as the explain view says it. */
export function traceCoverage(
  standing: TraceStanding,
  copy: { copied: boolean; current: boolean },
  activeRunId: string | undefined,
  monitorCreated: Date,
): [TraceCoverage, string] {
  if (standing.state === 'IN_PROGRESS') return ['in_progress', 'the trace is in progress (its root span has not ended); a run takes it once it is complete'];
  if (activeRunId !== undefined) return ['in_active_run', `run ${activeRunId} is processing the trace now`];
  if (copy.current) return ['processed', 'a monitoring run processed the trace at its current version'];
  if (!standing.below_cursor) {
    return ['awaiting_run', copy.copied
      ? 'the trace changed since a run processed it; the next run takes it again'
      : 'the trace arrived after the last run; the next run takes it'];
  }
  if (!copy.copied && standing.created_at < monitorCreated) {
    return ['before_monitor', 'the trace arrived before the monitor was created; only a backfill judges it'];
  }
  return ['processed', 'a monitoring run processed the trace'];
}
