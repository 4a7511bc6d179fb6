/**
 * A database failure in words an operator can act on: the connection refused, the host unknown,
 * the database or role missing, a password or SSL problem, a missing privilege. Found anywhere in
 * the error's cause chain; never includes the connection string (it may hold a password).
 */
export function describeDatabaseError(error: unknown): string {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth += 1) {
    const known = describeOne(e as Error & { code?: string; address?: string; port?: number; hostname?: string });
    if (known) return known;
  }
  // AggregateError (every address refused) carries its reasons in `errors`.
  const errors = (error as { errors?: unknown[] } | undefined)?.errors;
  if (Array.isArray(errors) && errors[0]) return describeDatabaseError(errors[0]);
  return error instanceof Error ? error.message : String(error);
}

function describeOne(e: Error & { code?: string; address?: string; port?: number; hostname?: string }): string | undefined {
  const where = e.address ? ` at ${e.address}${e.port ? `:${e.port}` : ''}` : '';
  switch (e.code) {
    case 'ECONNREFUSED':
      return `cannot reach the database${where}: connection refused (is Postgres running, and is DATABASE_URL's host and port right?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach the database: host ${e.hostname ?? ''} not found (check DATABASE_URL)`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot reach the database${where}: ${e.code} (network or firewall)`;
    case '3D000':
      return `the database does not exist: ${e.message} (create it, e.g. \`createdb <name>\`, or fix DATABASE_URL)`;
    case '28P01':
    case '28000':
      return `the database refused the login: ${e.message} (check the user and password in DATABASE_URL)`;
    case '42501':
      return `the database role lacks a privilege: ${e.message} (Assay's role needs CREATE on the database to run migrations)`;
    case '57P03':
      return `the database is starting up or shutting down: ${e.message}`;
    default:
      break;
  }
  if (/ssl|tls|certificate/i.test(e.message)) return `SSL problem connecting to the database: ${e.message} (see sslmode in DATABASE_URL)`;
  return undefined;
}
