/** Which traces a monitoring run considers, and how the explain view words a trace's standing. */
import { describe, expect, it } from 'vitest';
import { runWindow, traceCoverage } from '../../src/domain/monitor-window.ts';
import { TRACE_STATES } from '../../src/domain/trace.ts';

const scheduled = { kind: 'scheduled', backfill_from: null, backfill_to: null } as const;

describe('runWindow', () => {
  it('leaves traces in progress for a later run, in every kind of run, and takes every other state', () => {
    for (const kind of ['scheduled', 'manual', 'backfill'] as const) {
      const window = runWindow({ kind, backfill_from: 1, backfill_to: 2 }, '10', '20');
      expect(TRACE_STATES.filter((s) => s !== window.skipState)).toEqual(['OK', 'ERROR', 'STATE_UNSPECIFIED']);
    }
  });

  it('takes what changed since the cursor and moves the cursor to the snapshot, for scheduled and manual runs', () => {
    expect(runWindow(scheduled, '1000', '1500')).toEqual({ skipState: 'IN_PROGRESS', changedFrom: '1000', cursorTo: '1500', requestTime: null });
    expect(runWindow({ ...scheduled, kind: 'manual', backfill_from: 5, backfill_to: 9 }, '7', '8')).toEqual({
      skipState: 'IN_PROGRESS',
      changedFrom: '7',
      cursorTo: '8',
      requestTime: null,
    });
  });

  it('takes nothing older than the snapshot when the monitor has no cursor (it is gone): never the whole history', () => {
    expect(runWindow(scheduled, undefined, '1500')).toMatchObject({ changedFrom: '1500', cursorTo: '1500', requestTime: null });
  });

  it('backfills by request time whatever the cursor, and leaves the cursor where it is', () => {
    expect(runWindow({ kind: 'backfill', backfill_from: 1_000, backfill_to: 2_000 }, '10', '20')).toEqual({
      skipState: 'IN_PROGRESS',
      changedFrom: null,
      cursorTo: null,
      requestTime: { from: 1_000, to: 2_000 },
    });
  });

  it('backfills from the beginning and up to any time when a bound is missing', () => {
    expect(runWindow({ kind: 'backfill', backfill_from: null, backfill_to: null }, '10', '20').requestTime).toEqual({ from: 0, to: Number.MAX_SAFE_INTEGER });
    expect(runWindow({ kind: 'backfill', backfill_from: 5, backfill_to: null }, '10', '20').requestTime).toEqual({ from: 5, to: Number.MAX_SAFE_INTEGER });
    expect(runWindow({ kind: 'backfill', backfill_from: null, backfill_to: 6 }, '10', '20').requestTime).toEqual({ from: 0, to: 6 });
  });
});

describe('traceCoverage', () => {
  const created = new Date('2026-01-02T00:00:00Z');
  const before = new Date('2026-01-01T00:00:00Z');
  const after = new Date('2026-01-03T00:00:00Z');
  const done = (below_cursor: boolean, at = after) => ({ state: 'OK', below_cursor, created_at: at });
  const none = { copied: false, current: false };

  it('says a trace in progress waits for its end, before anything else', () => {
    const [coverage, reason] = traceCoverage({ state: 'IN_PROGRESS', below_cursor: true, created_at: before }, { copied: true, current: true }, 'r-1', created);
    expect(coverage).toBe('in_progress');
    expect(reason).toContain('in progress');
  });

  it('names the run processing the trace now', () => {
    expect(traceCoverage(done(false), none, 'r-1', created)).toEqual(['in_active_run', 'run r-1 is processing the trace now']);
  });

  it('says processed when a run copied the trace at its current version', () => {
    expect(traceCoverage(done(false), { copied: true, current: true }, undefined, created)).toEqual([
      'processed',
      'a monitoring run processed the trace at its current version',
    ]);
  });

  it('says the next run takes a trace above the cursor, and whether it changed since it was processed', () => {
    const [fresh, freshReason] = traceCoverage(done(false), none, undefined, created);
    expect(fresh).toBe('awaiting_run');
    expect(freshReason).toContain('arrived after the last run');
    const [changed, changedReason] = traceCoverage(done(false), { copied: true, current: false }, undefined, created);
    expect(changed).toBe('awaiting_run');
    expect(changedReason).toContain('changed since a run processed it');
  });

  it('says only a backfill judges a trace that arrived before the monitor and was never copied', () => {
    expect(traceCoverage(done(true, before), none, undefined, created)).toEqual([
      'before_monitor',
      'the trace arrived before the monitor was created; only a backfill judges it',
    ]);
    // Arrived at the very moment of creation: the monitor's first run had its chance.
    expect(traceCoverage(done(true, created), none, undefined, created)[0]).toBe('processed');
    expect(traceCoverage(done(true, after), none, undefined, created)).toEqual(['processed', 'a monitoring run processed the trace']);
    expect(traceCoverage(done(true, before), { copied: true, current: false }, undefined, created)[0]).toBe('processed');
  });
});
