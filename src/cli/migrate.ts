/** `assay migrate`: apply pending migrations and exit. */
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { connectDatabase } from '../storage/connect.ts';
import { migrateToLatest } from '../storage/migrate.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      const config = loadConfig();
      const database = await connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        const applied = await migrateToLatest(database.db);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      } finally {
        await database.close();
      }
    });
}
