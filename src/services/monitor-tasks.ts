/**
 * A chunk's judge tasks, handed to its lanes: loaded a batch of whole traces at a time, and taken
 * each with one of the process's task slots.
 */
import type { ScorerEntry } from '../domain/scorer-entry.ts';
import type { StoredTrace } from '../domain/trace.ts';
import { monitorJudgeCalls } from '../observability/monitor-metrics.ts';
import type { Scorer } from '../scorers/registry.ts';
import { scorerInputFromTrace, type ScorerInput } from '../scorers/scorer-input.ts';
import { Semaphore } from '../scorers/semaphore.ts';
import type { RunCounts } from '../storage/monitor-schema.ts';
import { loadStoredTraces } from '../storage/trace-repository.ts';
import type { AppContext } from './context.ts';
import type { ChunkBudget } from './monitor-budget.ts';

export interface Task {
  trace: StoredTrace;
  input: ScorerInput;
  scorer: Scorer;
  entry: ScorerEntry;
}

export interface MonitorScorerPlan {
  entry: ScorerEntry;
  scorer: Scorer;
}

/**
 * Whole traces a chunk loads at a time (a chunk has up to ASSAY_MONITOR_CHUNK_SIZE of them). Every
 * chunk a worker runs holds its batch while older chunks judge: 100 a batch put the 20,000-trace
 * bench's worker at 244 MB, 50 at 236 MB, at the same judge throughput.
 */
const TRACE_BATCH = 50;

/**
 * The pairs' applicable tasks, in the chunk's order. Whole traces (spans and all) are loaded
 * TRACE_BATCH at a time, once the last batch is all taken, and let go once scored: a chunk holds one
 * batch of traces, not all of them (while it loads the next, the slots go to the other chunks' ready
 * tasks). Each batch's judge tasks are added to what the budget may be asked for.
 */
export class TaskSource {
  private readonly ids: string[];
  private loaded = 0;
  private ready: Task[] = [];
  private upcoming: Promise<Task[]> | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly pairs: Map<string, MonitorScorerPlan[]>,
    private readonly counts: RunCounts,
    private readonly budget: ChunkBudget,
  ) {
    this.ids = [...pairs.keys()];
  }

  /** Resolves once a task is ready to take, or every task has been taken (then false). */
  async waitReady(): Promise<boolean> {
    while (this.ready.length === 0 && (this.upcoming || this.loaded < this.ids.length)) {
      const batch = (this.upcoming ??= this.load(this.nextIds()));
      const tasks = await batch;
      // The first caller back takes the batch; the others find it ready.
      if (this.upcoming === batch) {
        this.upcoming = undefined;
        this.ready = tasks;
      }
    }
    return this.ready.length > 0;
  }

  /** A ready task, if one is left (another lane may have taken the last one). */
  take(): Task | undefined {
    return this.ready.pop();
  }

  private nextIds(): string[] {
    const batch = this.ids.slice(this.loaded, this.loaded + TRACE_BATCH);
    this.loaded += batch.length;
    return batch;
  }

  private async load(batch: string[]): Promise<Task[]> {
    const tasks: Task[] = [];
    for (const trace of await loadStoredTraces(this.ctx.db, batch)) {
      const input = scorerInputFromTrace(trace);
      for (const { entry, scorer } of this.pairs.get(trace.info.trace_id) ?? []) {
        if (!scorer.applicability(input).applies) {
          this.counts.scorers![entry.name]!.not_applicable += 1;
          monitorJudgeCalls.inc({ scorer: entry.name, outcome: 'not_applicable' });
          continue;
        }
        tasks.push({ trace, input, scorer, entry });
      }
    }
    this.budget.expect(tasks.filter((t) => t.scorer.kind === 'llm_judge').length);
    return tasks.reverse();
  }
}

/**
 * Tasks in hand per process, whatever the number of chunks it runs: twice the judge's concurrency,
 * so the judge always has a call waiting while answers are written. A slot is taken only once a task
 * is ready, so a chunk still loading its traces holds none, and is given back once the task's
 * feedback is committed: what a killed process loses is at most one answer per slot.
 * Tasks parked behind the judge's limit for most of a second outlived V8's young generation and grew
 * the old one (a 20,000-trace run's worker peaked about 15 MB higher when each of its four chunks held
 * 128 of its own).
 */
const slotsByJudge = new WeakMap<object, Semaphore>();

function taskSlots(ctx: AppContext): Semaphore {
  let slots = slotsByJudge.get(ctx.judge);
  if (!slots) slotsByJudge.set(ctx.judge, (slots = new Semaphore(ctx.config.judge.concurrency * 2)));
  return slots;
}

/**
 * Chunks started in this process so far: the slots go to the oldest chunk first. Shared evenly, the
 * chunks a worker runs at once all ended together, and the judge stood idle while they copied their
 * traces and the next ones loaded their first; served oldest first, one chunk ends while the next
 * ones judge.
 */
let chunkOrder = 0;

/** The source's tasks, each taken with a slot (behind older chunks) that the caller releases once done with it. */
export function slottedTasks(ctx: AppContext, source: TaskSource, signal: AbortSignal) {
  const slots = taskSlots(ctx);
  const priority = chunkOrder++;
  return async (): Promise<{ task: Task; release: () => void } | undefined> => {
    while (await source.waitReady()) {
      const release = await slots.acquire(signal, priority);
      const task = source.take();
      if (task) return { task, release };
      release();
    }
    return undefined;
  };
}
