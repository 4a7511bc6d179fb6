/**
 * Reads dataset records from a file for `assay datasets import`: JSONL (one record per line), JSON
 * (a list of records, or `{records: [...]}`) or CSV (a header row; `inputs`, `expectations`, `tags`
 * and `source` cells hold JSON objects, `outputs` JSON or plain text; a column `inputs.question`
 * sets one key of `inputs` to the cell's text).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseCsv } from '../domain/csv.ts';

export { parseCsv };

export type FileFormat = 'jsonl' | 'json' | 'csv';

/** One record as read, with where it came from for error messages. */
export interface FileRecord {
  where: string;
  record: unknown;
}

export function formatOf(path: string, given?: string): FileFormat {
  const format = (given ?? extname(path).slice(1)).toLowerCase();
  if (format === 'jsonl' || format === 'ndjson') return 'jsonl';
  if (format === 'json' || format === 'csv') return format;
  throw new Error(`--format: cannot tell the format of '${path}'; give --format jsonl, json or csv`);
}

export async function readDatasetFile(path: string, format: FileFormat): Promise<FileRecord[]> {
  // Spreadsheet exports often start with a byte-order mark.
  const text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  if (format === 'jsonl') return readJsonl(text);
  if (format === 'json') return readJson(text);
  return readCsv(text);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${where}: not valid JSON (${(error as Error).message})`);
  }
}

function readJsonl(text: string): FileRecord[] {
  const out: FileRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    out.push({ where: `line ${i + 1}`, record: parseJson(line, `line ${i + 1}`) });
  });
  return out;
}

function readJson(text: string): FileRecord[] {
  const value = parseJson(text, 'file');
  const list = Array.isArray(value) ? value : (value as { records?: unknown } | null)?.records;
  if (!Array.isArray(list)) throw new Error('file: expected a JSON list of records or {"records": [...]}');
  return list.map((record, i) => ({ where: `record ${i + 1}`, record }));
}

const OBJECT_COLUMNS = new Set(['inputs', 'expectations', 'tags', 'source']);

function readCsv(text: string): FileRecord[] {
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
          const [field, key] = [column.slice(0, dot), column.slice(dot + 1)];
          const target = (record[field] ??= {}) as Record<string, unknown>;
          target[key] = cell;
        } else if (OBJECT_COLUMNS.has(column)) {
          record[column] = parseJson(cell, where);
        } else if (column === 'outputs') {
          record.outputs = looksLikeJson(cell) ? parseJson(cell, where) : cell;
        } else {
          record[column] = cell;
        }
      });
      return { where: `row ${line}`, record };
    });
}

function looksLikeJson(cell: string): boolean {
  return /^\s*[[{"]/.test(cell);
}

