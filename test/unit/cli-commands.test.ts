/** The CLI's command table: what top-level help says is what each command's module registers. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandOf } from '../../src/cli/commands.ts';

describe('assay commands', () => {
  it('describes every command as its module does', { timeout: 60_000 }, async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const program = new Command();
      (await entry.load())(program);
      const registered = program.commands.find((c) => c.name() === name);
      expect(registered?.description(), name).toBe(entry.description);
    }
  });

  it('finds the command a command line runs, help included', () => {
    expect(commandOf(['sql', '--format', 'json', 'select 1'])).toBe('sql');
    expect(commandOf(['--help'])).toBeUndefined();
    expect(commandOf(['help', 'monitor'])).toBe('monitor');
    expect(commandOf(['nope'])).toBeUndefined();
    expect(commandOf(['constructor'])).toBeUndefined();
  });
});
