/** The `assay` command line. Each command lives in its own file and registers itself here. */
import { Command } from 'commander';
import { ConfigError } from '../../config/index.ts';
import { registerDatasets } from './datasets.ts';
import { registerDemo } from './demo.ts';
import { registerEvaluate } from './evaluate.ts';
import { registerExperiments } from './experiments.ts';
import { registerJudges } from './judges.ts';
import { registerLabeling } from './labeling.ts';
import { registerMigrate } from './migrate.ts';
import { registerMonitor } from './monitor.ts';
import { registerServe } from './serve.ts';
import { registerSessions } from './sessions.ts';
import { registerSql } from './sql.ts';
import { registerTokens } from './tokens.ts';
import { registerTraces } from './traces.ts';

const program = new Command()
  .name('assay')
  .description('Self-hosted quality monitoring, evaluation datasets and evaluations for GenAI applications')
  .showHelpAfterError();

const COMMANDS = [
  registerServe,
  registerMigrate,
  registerTokens,
  registerExperiments,
  registerTraces,
  registerSessions,
  registerJudges,
  registerMonitor,
  registerDatasets,
  registerDemo,
  registerEvaluate,
  registerSql,
  registerLabeling,
];
for (const register of COMMANDS) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
