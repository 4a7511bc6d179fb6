/**
 * Dataset files read in the browser for import, as `assay datasets import` reads them: JSONL (one
 * record per line), JSON (a list, or `{records: [...]}`) or CSV (a header row; `inputs`,
 * `expectations`, `tags` and `source` cells hold JSON objects, `outputs` JSON or text; a column
 * `inputs.question` sets one key). Problems name the line, row or column.
 */
import { csvRecords, parseCsv, parseJsonAt } from '../../../domain/csv.ts';

export { parseCsv };

export type FileFormat = 'jsonl' | 'json' | 'csv';

export function formatOfName(name: string): FileFormat | null {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  if (ext === 'json' || ext === 'csv') return ext;
  return null;
}

export function readRecords(text: string, format: FileFormat): unknown[] {
  const clean = text.replace(/^\uFEFF/, '');
  if (format === 'jsonl') {
    return clean.split('\n').flatMap((line, i) => (line.trim() === '' ? [] : [parseJsonAt(line, `line ${i + 1}`)]));
  }
  if (format === 'json') {
    const value = parseJsonAt(clean, 'file');
    const list = Array.isArray(value) ? value : (value as { records?: unknown } | null)?.records;
    if (!Array.isArray(list)) throw new Error('file: expected a JSON list of records or {"records": [...]}');
    return list;
  }
  return csvRecords(clean).map((r) => r.record);
}



/** Records as JSONL, one per line, as `assay datasets export` writes them. */
export function toJsonl(records: readonly unknown[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}
