/** The `assay` command line. Each command lives in its own file, loaded only when it runs (commands.ts). */
import { Command } from 'commander';
import { assayVersion } from '../observability/version.ts';
import { COMMANDS, commandOf } from './commands.ts';

const program = new Command()
  .name('assay')
  .description('Self-hosted quality monitoring, evaluation datasets and evaluations for GenAI applications')
  .version(assayVersion(), '-V, --version', 'print the version')
  // The version flag counts only before a command: `datasets export NAME --version 2` is the dataset's.
  .enablePositionalOptions()
  .showHelpAfterError();

try {
  const name = commandOf(process.argv.slice(2));
  if (name) {
    (await COMMANDS[name]!.load())(program);
  } else {
    // Top-level help (or an unknown command): names and descriptions, no command module loaded.
    for (const [command, entry] of Object.entries(COMMANDS)) program.command(command).description(entry.description);
  }
  await program.parseAsync(process.argv);
} catch (error) {
  // By name: importing config's class here would load zod for every command, help included.
  if (error instanceof Error && error.name === 'ConfigError') {
    console.error(error.message);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
