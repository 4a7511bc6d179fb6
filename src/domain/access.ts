/**
 * Who may call the API, decided from plain values: a token's role against a route's, open mode,
 * the bearer header's shape, and the Host names a loopback-bound API answers to. api/auth.ts reads
 * the request and the token table and asks these rules; nothing here touches a database.
 */
import { isIP } from 'node:net';

export type Role = 'admin' | 'writer' | 'reader';

const RANK: Record<Role, number> = { reader: 1, writer: 2, admin: 3 };

/** Whether a caller with `role` may call a route that needs `needed` (admin ⊃ writer ⊃ reader). */
export function roleReaches(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/** Whether an address the API binds to (or a Host name) is loopback: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * Whether a request without a token is let in: only on a loopback-bound API, and there when the
 * operator says so (`ASSAY_OPEN=true`) or while no token has ever existed.
 */
export function isOpenMode(state: { loopback: boolean; openConfigured: boolean; tokenEverExisted: boolean }): boolean {
  if (!state.loopback) return false;
  return state.openConfigured || !state.tokenEverExisted;
}

/** The token of an `authorization` value `Bearer <token>` (scheme in any case), else undefined. */
export function bearerToken(header: string): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1];
}

/** Host names a browser uses for a loopback API; the only ones a loopback-bound API answers by default. */
const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The Host names the API answers to: the configured list (`ASSAY_ALLOWED_HOSTS`), else the
 * loopback names on a loopback-bound API, else any (undefined).
 */
export function allowedHostNames(configured: readonly string[] | undefined, loopback: boolean): readonly string[] | undefined {
  return configured ?? (loopback ? LOOPBACK_NAMES : undefined);
}

/** Whether a request's Host header names a host the API answers to (`*` in the list: any). */
export function hostAllowed(allowed: readonly string[] | undefined, header: string): boolean {
  if (!allowed) return true;
  return allowed.includes(hostName(header)) || allowed.includes('*');
}

/** The host part of a Host header, lower-cased, without the port (IPv6 keeps its brackets). */
export function hostName(header: string): string {
  const lower = header.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.indexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

/** Whether a token's last use, written at `lastMs` (0: never), is due to be written again at `nowMs`. */
export function touchDue(nowMs: number, lastMs: number, everyMs: number): boolean {
  return nowMs - lastMs >= everyMs;
}
