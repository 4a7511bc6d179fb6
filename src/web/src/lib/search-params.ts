/**
 * The URL's query as people (and Assay's alert links) write it: `?exp=2&filter=tags.env = 'prod'`,
 * every value as text. The router's default writes JSON, so an experiment id reads `exp=%222%22`
 * and a typed `?q=true` comes back as a boolean; each route's validateSearch turns the text into
 * what it needs (numbers through `num`).
 */
export function parseSearch(query: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(query.startsWith('?') ? query.slice(1) : query)) out[key] = value;
  return out;
}

export function stringifySearch(search: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(search)) {
    if (value === undefined || value === null) continue;
    params.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
