/**
 * Add or edit one record: JSON fields checked as you type (syntax and the reserved expectation
 * shapes), then the API's own messages placed next to the field they name.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { api, ApiError, ok } from '../api/client';
import { localProblem, type RecordField as Field } from '../lib/record-check';
import type { DatasetRecord } from './queries';

const FIELDS: Field[] = ['inputs', 'outputs', 'expectations', 'tags'];

const pretty = (v: unknown) => (v === undefined || v === null ? '' : JSON.stringify(v, null, 2));

function parseField(field: Field, text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return field === 'outputs' ? text : undefined;
  }
}

export function RecordEditor({ dataset, record, onDone }: { dataset: string; record: DatasetRecord | null; onDone(message: string): void }) {
  const client = useQueryClient();
  const [texts, setTexts] = useState<Record<Field, string>>(() => ({
    inputs: pretty(record?.inputs ?? {}),
    outputs: record ? (typeof record.outputs === 'string' ? record.outputs : pretty(record.outputs)) : '',
    expectations: pretty(record?.expectations ?? {}),
    tags: pretty(record?.tags ?? {}),
  }));
  const local = useMemo(() => Object.fromEntries(FIELDS.map((f) => [f, localProblem(f, texts[f])])) as Record<Field, string | null>, [texts]);
  const save = useMutation({
    mutationFn: async () => {
      const values = Object.fromEntries(FIELDS.map((f) => [f, parseField(f, texts[f])]).filter(([, v]) => v !== undefined));
      if (record) {
        const { inputs: _inputs, ...patch } = values;
        const result = ok(await api.PATCH('/api/v1/datasets/{name}/records/{recordId}', { params: { path: { name: dataset, recordId: record.dataset_record_id } }, body: patch }));
        return `Saved ${record.dataset_record_id} (version ${result.version})`;
      }
      const result = ok(await api.POST('/api/v1/datasets/{name}/merge', { params: { path: { name: dataset } }, body: { records: [values] } }));
      return result.inserted ? `Added a record (version ${result.version})` : `Merged into the record with the same inputs (version ${result.version})`;
    },
    onSuccess: (message) => {
      void client.invalidateQueries({ queryKey: ['dataset-records', dataset] });
      void client.invalidateQueries({ queryKey: ['dataset', dataset] });
      void client.invalidateQueries({ queryKey: ['dataset-versions', dataset] });
      onDone(message);
    },
  });
  // "records[0].expectations.x: …" from a merge and "expectations.x: …" from an edit land on the same field.
  const apiMessages = save.error instanceof ApiError ? save.error.message.split(/;\s+/).map((m) => m.replace(/^records\[0\]\.?/, '')) : [];
  const apiFor = (f: Field) => apiMessages.filter((m) => m.startsWith(`${f}:`) || m.startsWith(`${f}.`));
  const unplaced = apiMessages.filter((m) => !FIELDS.some((f) => m.startsWith(`${f}:`) || m.startsWith(`${f}.`)));
  const blocked = FIELDS.some((f) => local[f]);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!blocked) save.mutate();
  }

  // Keyboard: the editor opens with the first field it can change focused; Escape closes it,
  // Ctrl+Enter (⌘+Enter) saves from inside a field, where Enter is a new line.
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    const first = form.current?.querySelector<HTMLTextAreaElement>('textarea:not([readonly])');
    first?.focus();
    // Selected, so typing replaces the placeholder `{}` of a new record.
    first?.select();
  }, []);
  function onKey(e: KeyboardEvent) {
    if (e.key === 'Escape') {
      e.preventDefault();
      onDone('');
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.current?.requestSubmit();
    }
  }

  return (
    <form ref={form} className="card form record-editor" onSubmit={submit} onKeyDown={onKey} aria-labelledby="editor-title" aria-keyshortcuts="Escape Control+Enter">
      <div className="card-head">
        <h2 id="editor-title">{record ? `Edit ${record.dataset_record_id}` : 'Add a record'}</h2>
        <button type="button" className="link" onClick={() => onDone('')}>Close</button>
      </div>
      {FIELDS.map((f) => {
        const problems = [local[f], ...apiFor(f)].filter(Boolean) as string[];
        const readOnly = f === 'inputs' && record !== null;
        return (
          <div key={f} className="field">
            <label htmlFor={`rec-${f}`}>{f}{readOnly ? ' (records are matched by their inputs; not editable)' : f === 'outputs' ? ' (JSON or text)' : ' (JSON object)'}</label>
            <textarea
              id={`rec-${f}`}
              className="mono json-edit"
              rows={f === 'tags' ? 3 : 6}
              value={texts[f]}
              readOnly={readOnly}
              spellCheck={false}
              onChange={(e) => setTexts((t) => ({ ...t, [f]: e.target.value }))}
              aria-invalid={problems.length ? true : undefined}
              aria-describedby={problems.length ? `rec-${f}-error` : undefined}
            />
            {problems.length > 0 && <p id={`rec-${f}-error`} className="field-error" role="alert">{problems.join('; ')}</p>}
          </div>
        );
      })}
      {unplaced.length > 0 && <p className="field-error" role="alert">{unplaced.join('; ')}</p>}
      <div className="actions">
        <button type="button" onClick={() => onDone('')}>Cancel</button>
        <button type="submit" className="primary" disabled={blocked || save.isPending}>{save.isPending ? 'Saving…' : record ? 'Save' : 'Add record'}</button>
      </div>
    </form>
  );
}
