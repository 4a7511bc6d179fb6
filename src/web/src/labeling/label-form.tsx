/** The form a labeler fills for one trace, built from the session's label schemas; their own earlier answers prefilled. */
import type { LabelSchema, SessionTrace } from './queries';
import { labelProblem } from './queries';

export type Answers = Record<string, unknown>;

/** The labeler's own earlier answers on this trace. */
export function myAnswers(trace: SessionTrace | undefined, me: string): Answers {
  const out: Answers = {};
  for (const [name, labels] of Object.entries(trace?.labels ?? {})) {
    const mine = labels.filter((l) => l.source_id === me).at(-1);
    if (mine) out[name] = mine.value === true ? 'yes' : mine.value === false ? 'no' : mine.value;
  }
  return out;
}

/** Problems of the answers given (empty answers are skipped, not wrong). */
export function answerProblems(schemas: readonly LabelSchema[], answers: Answers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of schemas) {
    const v = answers[s.name];
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    const problem = labelProblem(s, v);
    if (problem) out[s.name] = problem;
  }
  return out;
}

interface Props {
  schemas: readonly LabelSchema[];
  answers: Answers;
  problems: Record<string, string>;
  others: SessionTrace['labels'];
  me: string;
  onChange(name: string, value: unknown): void;
}

export function LabelForm({ schemas, answers, problems, others, me, onChange }: Props) {
  const firstYesNo = schemas.find((s) => s.type === 'yes_no')?.name;
  const firstCategorical = schemas.find((s) => s.type === 'categorical')?.name;
  return (
    <div className="label-form">
      {schemas.map((s) => {
        const id = `label-${s.name}`;
        const problem = problems[s.name];
        const described = [s.instruction ? `${id}-help` : '', problem ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
        const theirs = (others[s.name] ?? []).filter((l) => l.source_id !== me);
        const value = answers[s.name];
        return (
          <fieldset key={s.name} className={`label-field ${s.kind}`} aria-describedby={described}>
            <legend>{s.title ?? s.name} <span className="muted small">{s.kind}</span></legend>
            {s.instruction && <p id={`${id}-help`} className="muted small">{s.instruction}</p>}
            {s.type === 'yes_no' && (
              <div className="row" role="radiogroup" aria-label={s.title ?? s.name}>
                {(['yes', 'no'] as const).map((v) => (
                  <label key={v} className={`choice ${value === v ? 'chosen' : ''}`}>
                    <input type="radio" name={id} value={v} checked={value === v} onChange={() => onChange(s.name, v)} /> {v}
                    {s.name === firstYesNo && <kbd>{v[0]}</kbd>}
                  </label>
                ))}
              </div>
            )}
            {s.type === 'numeric' && (
              <div className="row">
                <label htmlFor={id} className="visually-hidden">{s.name}</label>
                <input id={id} type="number" min={s.min} max={s.max} step="any" value={typeof value === 'number' ? value : ''} aria-invalid={problem ? true : undefined}
                  onChange={(e) => onChange(s.name, e.target.value === '' ? undefined : Number(e.target.value))} />
                <span className="muted">{s.min} to {s.max}</span>
              </div>
            )}
            {s.type === 'categorical' && (
              <div className="row" role="radiogroup" aria-label={s.title ?? s.name}>
                {s.options!.map((o, i) => (
                  <label key={o} className={`choice ${value === o ? 'chosen' : ''}`}>
                    <input type="radio" name={id} value={o} checked={value === o} onChange={() => onChange(s.name, o)} /> {o}
                    {s.name === firstCategorical && i < 9 && <kbd>{i + 1}</kbd>}
                  </label>
                ))}
              </div>
            )}
            {s.type === 'text' && (
              <>
                <label htmlFor={id} className="visually-hidden">{s.name}</label>
                <textarea id={id} rows={s.multiple ? 4 : 3} value={Array.isArray(value) ? value.join('\n') : typeof value === 'string' ? value : ''}
                  placeholder={s.multiple ? 'One per line' : ''} aria-invalid={problem ? true : undefined}
                  onChange={(e) => onChange(s.name, s.multiple ? e.target.value.split('\n').map((l) => l.trim()).filter(Boolean) : e.target.value)} />
              </>
            )}
            {problem && <p id={`${id}-error`} className="field-error" role="alert">{s.name}: {problem}</p>}
            {theirs.length > 0 && (
              <p className="meta">Others: {theirs.map((l) => `${l.source_id ?? '?'}: ${typeof l.value === 'string' ? l.value : JSON.stringify(l.value)}`).join(' · ')}</p>
            )}
          </fieldset>
        );
      })}
    </div>
  );
}
