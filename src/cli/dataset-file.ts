/**
 * Reads dataset records from a file for `assay datasets import`: JSONL (one record per line), JSON
 * (a list of records, or `{records: [...]}`) or CSV (a header row; `inputs`, `expectations`, `tags`
 * and `source` cells hold JSON objects, `outputs` JSON or plain text; a column `inputs.question`
 * sets one key of `inputs` to the cell's text).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { csvRecords, parseCsv, parseJsonAt } from '../domain/csv.ts';

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

function readJsonl(text: string): FileRecord[] {
  const out: FileRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    out.push({ where: `line ${i + 1}`, record: parseJsonAt(line, `line ${i + 1}`) });
  });
  return out;
}

function readJson(text: string): FileRecord[] {
  const value = parseJsonAt(text, 'file');
  const list = Array.isArray(value) ? value : (value as { records?: unknown } | null)?.records;
  if (!Array.isArray(list)) throw new Error('file: expected a JSON list of records or {"records": [...]}');
  return list.map((record, i) => ({ where: `record ${i + 1}`, record }));
}

function readCsv(text: string): FileRecord[] {
  return csvRecords(text).map(({ line, record }) => ({ where: `row ${line}`, record }));
}

