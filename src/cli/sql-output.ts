/** Rows of a SQL result as a table for people, JSON for scripts, or CSV (RFC 4180) for spreadsheets. */

export type SqlFormat = 'table' | 'json' | 'csv';

export async function formatRows(format: SqlFormat, fields: string[], rows: unknown[][]): Promise<string> {
  if (format === 'json') {
    const objects = rows.map((row) => Object.fromEntries(fields.map((f, i) => [f, row[i] ?? null])));
    return `${JSON.stringify(objects, null, 2)}\n`;
  }
  if (format === 'csv') {
    const lines = [fields, ...rows.map((row) => row.map(cellText))].map((cells) => cells.map(csvCell).join(','));
    return fields.length ? `${lines.join('\r\n')}\r\n` : '';
  }
  if (!fields.length) return '';
  const { default: Table } = await import('cli-table3');
  const table = new Table({ head: fields, style: { head: [], border: [] } });
  for (const row of rows) table.push(row.map(cellText));
  return `${table.toString()}\n`;
}

/** A value as text: strings as they are, JSON values as JSON, null as empty. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
