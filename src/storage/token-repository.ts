/** API tokens: stored as SHA-256 hashes; the token itself is shown once at creation. */
import { createHash, randomBytes } from 'node:crypto';
import { alreadyExists, notFound } from '../domain/errors.ts';
import type { Role } from '../domain/access.ts';
import type { Executor } from './connect.ts';

export type { Role };
export const ROLES: readonly Role[] = ['admin', 'writer', 'reader'];

export interface TokenInfo {
  name: string;
  role: Role;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createToken(db: Executor, name: string, role: Role): Promise<{ token: string; info: TokenInfo }> {
  const token = `assay_${randomBytes(32).toString('base64url')}`;
  const row = await db
    .insertInto('assay.api_token')
    .values({ name, role, token_hash: hashToken(token) })
    .onConflict((oc) => oc.column('name').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw alreadyExists(`name: a token named '${name}' already exists`);
  return { token, info: toInfo(row) };
}

export async function listTokens(db: Executor): Promise<TokenInfo[]> {
  const rows = await db.selectFrom('assay.api_token').selectAll().orderBy('name').execute();
  return rows.map(toInfo);
}

export async function revokeToken(db: Executor, name: string): Promise<void> {
  const result = await db
    .updateTable('assay.api_token')
    .set({ revoked_at: new Date() })
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw notFound(`name: no active token named '${name}'`);
}

/** The principal a token stands for, or undefined for an unknown or revoked token. */
export async function findActiveToken(db: Executor, token: string): Promise<{ name: string; role: Role } | undefined> {
  const row = await db
    .selectFrom('assay.api_token')
    .select(['name', 'role'])
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row;
}

export async function anyActiveToken(db: Executor): Promise<boolean> {
  const row = await db.selectFrom('assay.api_token').select('token_id').where('revoked_at', 'is', null).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Whether any token was ever created, revoked ones included: after that, Assay is never open by itself. */
export async function anyTokenEver(db: Executor): Promise<boolean> {
  const row = await db.selectFrom('assay.api_token').select('token_id').limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Records a token's use, unless one was recorded less than `everyMs` ago (so most requests write nothing). */
export async function touchToken(db: Executor, name: string, everyMs: number): Promise<void> {
  const before = new Date(Date.now() - everyMs);
  await db
    .updateTable('assay.api_token')
    .set({ last_used_at: new Date() })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', before)]))
    .execute();
}

function toInfo(r: { name: string; role: Role; created_at: Date; revoked_at: Date | null; last_used_at: Date | null }): TokenInfo {
  return {
    name: r.name,
    role: r.role,
    created_at: r.created_at.toISOString(),
    revoked_at: r.revoked_at?.toISOString() ?? null,
    last_used_at: r.last_used_at?.toISOString() ?? null,
  };
}
