/** `assay tokens create|list|revoke`: API tokens, written straight to the database. */
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { connectDatabase, type Db } from '../storage/connect.ts';
import { migrateToLatest } from '../storage/migrate.ts';
import { createToken, listTokens, revokeToken, ROLES, type Role } from '../storage/token-repository.ts';
import { printTable } from './table.ts';

async function withDb<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(database.db);
    return await work(database.db);
  } finally {
    await database.close();
  }
}

export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description('manage API tokens');
  tokens
    .command('create')
    .requiredOption('--name <name>', 'who the token stands for (recorded as the user in created_by fields)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .action(async (options: { name: string; role: string }) => {
      if (!ROLES.includes(options.role as Role)) throw new Error(`--role: must be one of ${ROLES.join(', ')}`);
      const { token } = await withDb((db) => createToken(db, options.name, options.role as Role));
      console.log(token);
      console.error(`token '${options.name}' (${options.role}) created; it is shown only this once`);
    });
  tokens.command('list').action(async () => {
    const list = await withDb((db) => listTokens(db));
    printTable(['name', 'role', 'created_at', 'revoked_at'], list.map((t) => [t.name, t.role, t.created_at, t.revoked_at ?? '']));
  });
  tokens
    .command('revoke')
    .requiredOption('--name <name>')
    .action(async (options: { name: string }) => {
      await withDb((db) => revokeToken(db, options.name));
      console.log(`token '${options.name}' revoked`);
    });
}
