/** `assay start|api|worker|scheduler`: run one or all roles until a signal stops them. */
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { createLogger } from '../observability/logger.ts';
import { startRoles, type ProcessRole } from '../runtime/roles.ts';
import { handleSignals, openRuntime } from '../runtime/runtime.ts';

const COMMANDS: Array<[name: string, roles: ProcessRole[], description: string]> = [
  ['start', ['api', 'worker', 'scheduler'], 'run the API, a worker and the scheduler in one process'],
  ['api', ['api'], 'run the HTTP API (ingest, search, admin)'],
  ['worker', ['worker'], 'run a worker that executes queued jobs'],
  ['scheduler', ['scheduler'], 'run the scheduler that enqueues due monitoring runs'],
];

export function registerServe(program: Command): void {
  for (const [name, roles, description] of COMMANDS) {
    program
      .command(name)
      .description(description)
      .action(async () => {
        const config = loadConfig();
        const log = createLogger(config.logLevel);
        const runtime = await openRuntime(config, log, { serveSql: true });
        handleSignals(runtime, log);
        try {
          await startRoles(runtime, roles);
        } catch (error) {
          log.error({ err: error }, 'failed to start');
          await runtime.shutdown();
          throw error;
        }
      });
  }
}
