/**
 * Every `assay` command, by name, with the module that registers it. `main.ts` loads only the
 * module of the command being run, so `assay sql …` does not pay for the HTTP server, the queue
 * or the judges; the descriptions here make the top-level help without loading any of them (a
 * test checks they match what the modules register).
 */
import type { Command } from 'commander';

export type Register = (program: Command) => void;

export interface CommandEntry {
  readonly description: string;
  load(): Promise<Register>;
}

const serve = () => import('./serve.ts').then((m) => m.registerServe);
const evaluate = () => import('./evaluate.ts').then((m) => m.registerEvaluate);

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  start: { description: 'run the API, a worker and the scheduler in one process', load: serve },
  api: { description: 'run the HTTP API (ingest, search, admin)', load: serve },
  worker: { description: 'run a worker that executes queued jobs', load: serve },
  scheduler: { description: 'run the scheduler that enqueues due monitoring runs', load: serve },
  migrate: { description: 'apply pending database migrations', load: () => import('./migrate.ts').then((m) => m.registerMigrate) },
  tokens: { description: 'manage API tokens', load: () => import('./tokens.ts').then((m) => m.registerTokens) },
  experiments: {
    description: 'experiments: named containers of traces (through the API at ASSAY_URL)',
    load: () => import('./experiments.ts').then((m) => m.registerExperiments),
  },
  traces: { description: 'search and explain traces', load: () => import('./traces.ts').then((m) => m.registerTraces) },
  sessions: {
    description: 'conversations: traces grouped by mlflow.trace.session',
    load: () => import('./sessions.ts').then((m) => m.registerSessions),
  },
  judges: { description: 'judges and the people who check them', load: () => import('./judges.ts').then((m) => m.registerJudges) },
  monitor: {
    description: "manage an experiment's monitor (talks to ASSAY_URL with ASSAY_TOKEN)",
    load: () => import('./monitor.ts').then((m) => m.registerMonitor),
  },
  datasets: { description: 'evaluation datasets (through the API at ASSAY_URL)', load: () => import('./datasets.ts').then((m) => m.registerDatasets) },
  demo: {
    description: 'load sample traces into an in-memory Assay, monitor them once, and show the results',
    load: () => import('./demo.ts').then((m) => m.registerDemo),
  },
  evaluate: { description: 'evaluate an application over a dataset (through the API at ASSAY_URL)', load: evaluate },
  evaluations: { description: 'evaluation runs (through the API at ASSAY_URL)', load: evaluate },
  labeling: { description: 'labeling sessions (through the API at ASSAY_URL)', load: () => import('./labeling.ts').then((m) => m.registerLabeling) },
  sql: {
    description: 'run one SQL statement on the results tables and dataset views (read-only unless --write)',
    load: () => import('./sql.ts').then((m) => m.registerSql),
  },
};

/** The command a command line runs (`assay help X` counts as X), if it is one of ours. */
export function commandOf(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? name : undefined;
}
