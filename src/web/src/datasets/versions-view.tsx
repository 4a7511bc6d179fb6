/** A dataset's versions (counts, digests) and the diff between two of them, changed keys highlighted. */
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useMemo } from 'react';
import type { DatasetSearch } from '../router';
import { compact, useDiff, useVersions } from './queries';

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function VersionsView({ dataset }: { dataset: string }) {
  const versions = useVersions(dataset);
  const navigate = useNavigate({ from: '/datasets/$name' });
  return (
    <div className="card table-wrap">
      <table className="grid runs">
        <thead><tr><th className="num">Version</th><th>Operation</th><th>When</th><th>By</th><th className="num">Added</th><th className="num">Updated</th><th className="num">Deleted</th><th className="num">Records</th><th>Digest</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          {versions.data?.map((v) => (
            <tr key={v.version}>
              <td className="num">{v.version}</td>
              <td>{v.operation}</td>
              <td><time dateTime={v.created_time}>{TIME.format(new Date(v.created_time))}</time></td>
              <td>{v.created_by ?? '—'}</td>
              <td className="num">{v.inserted}</td>
              <td className="num">{v.updated}</td>
              <td className="num">{v.deleted}</td>
              <td className="num">{v.record_count}</td>
              <td className="mono" title={v.digest}>{v.digest.slice(0, 12)}</td>
              <td className="row">
                <button type="button" className="link" onClick={() => void navigate({ search: (prev) => ({ ...prev, view: 'records', version: v.version }) })}>Read</button>
                {v.version > 1 && <button type="button" className="link" onClick={() => void navigate({ search: (prev) => ({ ...prev, view: 'diff', diff_from: v.version - 1, diff_to: v.version }) })}>Diff with {v.version - 1}</button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DiffView({ dataset, current }: { dataset: string; current: number }) {
  const search = useSearch({ from: '/datasets/$name' }) as DatasetSearch;
  const navigate = useNavigate({ from: '/datasets/$name' });
  const from = search.diff_from ?? Math.max(0, current - 1);
  const to = search.diff_to ?? current;
  const diff = useDiff(dataset, from, to);
  const changes = useMemo(() => diff.data?.pages.flatMap((p) => p.changes) ?? [], [diff.data]);
  const counts = diff.data?.pages[0]?.counts;
  const options = Array.from({ length: current + 1 }, (_, i) => i);
  return (
    <div>
      <div className="row card">
        <label htmlFor="diff-from">From version</label>
        <select id="diff-from" value={from} onChange={(e) => void navigate({ search: (prev) => ({ ...prev, diff_from: Number(e.target.value), diff_to: to }) })}>
          {options.map((v) => <option key={v} value={v}>{v}</option>)}
        </select>
        <label htmlFor="diff-to">to version</label>
        <select id="diff-to" value={to} onChange={(e) => void navigate({ search: (prev) => ({ ...prev, diff_from: from, diff_to: Number(e.target.value) }) })}>
          {options.map((v) => <option key={v} value={v}>{v}</option>)}
        </select>
        {counts && (
          <span className="diff-counts" role="status">
            <span className="chip chip-pass">{counts.added} added</span> <span className="chip chip-fail">{counts.removed} removed</span> <span className="chip chip-error">{counts.changed} changed</span>
          </span>
        )}
      </div>
      {diff.error && <p className="field-error" role="alert">{diff.error.message}</p>}
      <ol className="diff-list">
        {changes.map((c) => (
          <li key={`${c.kind}-${c.dataset_record_id}`} className={`diff diff-${c.kind}`}>
            <div className="diff-head"><span className={`chip ${c.kind === 'added' ? 'chip-pass' : c.kind === 'removed' ? 'chip-fail' : 'chip-error'}`}>{c.kind}</span> <span className="mono">{c.dataset_record_id}</span> <span className="mono muted">{compact(valueAt(c.after ?? c.before, 'inputs'))}</span></div>
            {c.kind === 'changed' && <ChangedKeys keys={c.changed_keys} before={c.before} after={c.after} />}
          </li>
        ))}
      </ol>
      {diff.hasNextPage && <button type="button" onClick={() => void diff.fetchNextPage()}>More changes</button>}
      {!diff.isPending && changes.length === 0 && <p className="muted">No differences between version {from} and version {to}.</p>}
    </div>
  );
}

function valueAt(record: unknown, key: string): unknown {
  let v: unknown = record;
  const [field, ...rest] = key.split('.');
  v = (v as Record<string, unknown> | null)?.[field!];
  if (rest.length) v = (v as Record<string, unknown> | null | undefined)?.[rest.join('.')];
  return v;
}

function ChangedKeys({ keys, before, after }: { keys: string[]; before: unknown; after: unknown }) {
  return (
    <table className="kv diff-keys">
      <thead><tr><th>Key</th><th>Before</th><th>After</th></tr></thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k} className="changed-key">
            <th scope="row" className="mono"><mark>{k}</mark></th>
            <td className="mono del">{compact(valueAt(before, k)) || '—'}</td>
            <td className="mono ins">{compact(valueAt(after, k)) || '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
