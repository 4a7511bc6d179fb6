/** Import a JSONL, CSV or JSON file into a dataset in batches with progress; export a version as JSONL. */
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api, ApiError, ok } from '../api/client';
import { formatOfName, readRecords, toJsonl } from '../lib/dataset-file';
import type { DatasetRecord } from './queries';

const BATCH = 1000;

export function ImportButton({ dataset }: { dataset: string }) {
  const client = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<{ done: number; total: number; inserted: number; updated: number; error?: string; finished?: boolean } | null>(null);

  async function run(file: File) {
    const format = formatOfName(file.name);
    if (!format) return setState({ done: 0, total: 0, inserted: 0, updated: 0, error: `${file.name}: give a .jsonl, .json or .csv file` });
    let records: unknown[];
    try {
      records = readRecords(await file.text(), format);
    } catch (e) {
      return setState({ done: 0, total: 0, inserted: 0, updated: 0, error: (e as Error).message });
    }
    let inserted = 0;
    let updated = 0;
    setState({ done: 0, total: records.length, inserted, updated });
    for (let i = 0; i < records.length; i += BATCH) {
      try {
        const result = ok(await api.POST('/api/v1/datasets/{name}/merge', { params: { path: { name: dataset } }, body: { records: records.slice(i, i + BATCH) as never } }));
        inserted += result.inserted;
        updated += result.updated;
      } catch (e) {
        // The server names the record by its place in the batch; name it by its place in the file.
        const message = e instanceof ApiError ? e.message.replace(/records\[(\d+)\]/g, (_m, n: string) => `record ${i + Number(n) + 1}`) : String(e);
        setState({ done: i, total: records.length, inserted, updated, error: message });
        void client.invalidateQueries({ queryKey: ['dataset-records', dataset] });
        return;
      }
      setState({ done: Math.min(records.length, i + BATCH), total: records.length, inserted, updated });
    }
    setState({ done: records.length, total: records.length, inserted, updated, finished: true });
    for (const key of ['dataset-records', 'dataset', 'dataset-versions']) void client.invalidateQueries({ queryKey: [key, dataset] });
  }

  return (
    <span className="row">
      <input ref={input} id="import-file" type="file" accept=".jsonl,.ndjson,.json,.csv" className="visually-hidden" aria-label="Dataset file to import (JSONL, JSON or CSV)" tabIndex={-1} onChange={(e) => { const f = e.target.files?.[0]; if (f) void run(f); e.target.value = ''; }} />
      <button type="button" onClick={() => input.current?.click()}>Import file…</button>
      {state && !state.error && (
        <span role="status" className="row">
          <progress max={state.total || 1} value={state.done} aria-label="Import progress" />
          {state.finished ? <span className="success">Imported {state.total}: {state.inserted} added, {state.updated} merged</span> : <span>{state.done} of {state.total}</span>}
        </span>
      )}
      {state?.error && <span className="field-error" role="alert">Import stopped: {state.error}{state.done ? ` (the first ${state.done} records were imported)` : ''}</span>}
    </span>
  );
}

export function ExportButton({ dataset, version }: { dataset: string; version: number | undefined }) {
  const [busy, setBusy] = useState(false);
  async function run() {
    setBusy(true);
    try {
      const records: DatasetRecord[] = [];
      let token: string | undefined;
      let pinned = version;
      do {
        const page = ok(await api.GET('/api/v1/datasets/{name}/records', { params: { path: { name: dataset }, query: { max_results: 10_000, ...(pinned !== undefined ? { version: pinned } : {}), ...(token ? { page_token: token } : {}) } } }));
        records.push(...page.records);
        pinned = page.version;
        token = page.next_page_token;
      } while (token);
      const url = URL.createObjectURL(new Blob([toJsonl(records)], { type: 'application/x-ndjson' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${dataset}.v${pinned}.jsonl`;
      a.click();
      URL.revokeObjectURL(url);
    } finally {
      setBusy(false);
    }
  }
  return <button type="button" onClick={() => void run()} disabled={busy}>{busy ? 'Exporting…' : 'Export JSONL'}</button>;
}
