/**
 * Dataset files read in the browser for import, as `assay datasets import` reads them: JSONL (one
 * record per line), JSON (a list, or `{records: [...]}`) or CSV (a header row; `inputs`,
 * `expectations`, `tags` and `source` cells hold JSON objects, `outputs` JSON or text; a column
 * `inputs.question` sets one key). Problems name the line, row or column.
 */
import { parseCsv } from '../../../domain/csv.ts';

export { parseCsv };

export type FileFormat = 'jsonl' | 'json' | 'csv';

export function formatOfName(name: string): FileFormat | null {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  if (ext === 'json' || ext === 'csv') return ext;
  return null;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${where}: not valid JSON (${(error as Error).message})`);
  }
}

export function readRecords(text: string, format: FileFormat): unknown[] {
  const clean = text.replace(/^\uFEFF/, '');
  if (format === 'jsonl') {
    return clean.split('\n').flatMap((line, i) => (line.trim() === '' ? [] : [parseJson(line, `line ${i + 1}`)]));
  }
  if (format === 'json') {
    const value = parseJson(clean, 'file');
    const list = Array.isArray(value) ? value : (value as { records?: unknown } | null)?.records;
    if (!Array.isArray(list)) throw new Error('file: expected a JSON list of records or {"records": [...]}');
    return list;
  }
  return readCsv(clean);
}

const OBJECT_COLUMNS = new Set(['inputs', 'expectations', 'tags', 'source']);

function readCsv(text: string): unknown[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows
    .map((cells, i) => ({ cells, line: i + 2 }))
    .filter(({ cells }) => cells.some((c) => c !== ''))
    .map(({ cells, line }) => {
      const record: Record<string, unknown> = {};
      header.forEach((column, j) => {
        const cell = cells[j] ?? '';
        if (cell === '') return;
        const where = `row ${line}, column ${column}`;
        const dot = column.indexOf('.');
        if (dot > 0) {
          const target = (record[column.slice(0, dot)] ??= {}) as Record<string, unknown>;
          target[column.slice(dot + 1)] = cell;
        } else if (OBJECT_COLUMNS.has(column)) record[column] = parseJson(cell, where);
        else if (column === 'outputs') record.outputs = /^\s*[[{"]/.test(cell) ? parseJson(cell, where) : cell;
        else record[column] = cell;
      });
      return record;
    });
}


/** Records as JSONL, one per line, as `assay datasets export` writes them. */
export function toJsonl(records: readonly unknown[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}
