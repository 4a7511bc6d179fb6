/**
 * How far each judge can be trusted: for every feedback name a judge and a person both gave, the
 * pairs, agreement rate, Cohen's kappa, the confusion matrix and the traces where they disagree.
 */
import { Link, useSearch } from '@tanstack/react-router';
import type { AgreementSearch, ShellSearch } from '../router';
import { formatNumber } from '../lib/feedback';
import { rangeBounds, stableNow } from '../lib/time-range';
import { kappaText, percent, valueText } from '../lib/agreement';
import { useJudgeAgreement, type JudgeAgreement } from './queries';

const keepShell = (prev: ShellSearch): ShellSearch => ({ exp: prev.exp, range: prev.range, from: prev.from, to: prev.to });

export function AgreementPage() {
  const search = useSearch({ from: '/judges' }) as AgreementSearch;
  const query = useJudgeAgreement(search.exp ?? '', rangeBounds(search, stableNow(Date.now())));
  const judges = query.data?.judges ?? [];
  const selected = judges.find((j) => j.name === search.judge) ?? judges[0];
  return (
    <section aria-labelledby="agreement-title" className="agreement-page">
      <div className="page-head">
        <h1 id="agreement-title">Judge agreement</h1>
        <span className="muted small">Judges against people on the same traces in the time range (the latest valid feedback of each; people are the reference).</span>
      </div>
      {query.error && <p className="page-error" role="alert">{query.error.message}</p>}
      {query.isPending && <p className="loading" role="status">Loading…</p>}
      {query.data && judges.length === 0 && (
        <div className="card empty">
          <p>No judge and person gave feedback of the same name on the same trace in this time range. Label traces (Labeling, or feedback on a trace) with a judge’s feedback name to compare.</p>
        </div>
      )}
      {judges.length > 0 && (
        <div className="card table-wrap">
          <table className="grid runs judges-table">
            <caption className="visually-hidden">Agreement per judge</caption>
            <thead>
              <tr><th scope="col">Judge (feedback name)</th><th scope="col" className="num">Pairs</th><th scope="col" className="num">Agreement</th><th scope="col">Cohen’s kappa</th><th scope="col" className="num">Disagreements</th></tr>
            </thead>
            <tbody>
              {judges.map((j) => (
                <tr key={j.name} className={j === selected ? 'selected' : ''} aria-current={j === selected ? 'true' : undefined}>
                  <td>
                    <Link to="/judges" search={(prev) => ({ ...keepShell(prev as ShellSearch), judge: j.name })} replace>{j.name}</Link>
                  </td>
                  <td className="num">{j.pairs}</td>
                  <td className="num">{percent(j.agreement)}</td>
                  <td>{j.value_type === 'numeric' ? <span className="muted">numeric: MAE {j.mae === null ? '—' : formatNumber(j.mae)}</span> : kappaText(j.kappa)}</td>
                  <td className="num">{j.disagreements_total}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected && <JudgeDetail key={selected.name} judge={selected} />}
    </section>
  );
}

function JudgeDetail({ judge }: { judge: JudgeAgreement }) {
  return (
    <section aria-labelledby="judge-title" className="judge-detail">
      <h2 id="judge-title">{judge.name}</h2>
      <dl className="metric-cards">
        <div className="metric"><dt>Pairs</dt><dd>{judge.pairs}</dd></div>
        <div className="metric"><dt>Agreement</dt><dd>{percent(judge.agreement)}</dd></div>
        {judge.value_type === 'categorical' ? (
          <div className="metric">
            <dt>Cohen’s kappa</dt>
            <dd>{kappaText(judge.kappa)}</dd>
            {judge.kappa_ci && <dd className="muted small">95% CI {judge.kappa_ci[0]?.toFixed(2)} to {judge.kappa_ci[1]?.toFixed(2)}</dd>}
          </div>
        ) : (
          <>
            <div className="metric"><dt>Mean absolute error</dt><dd>{judge.mae === null ? '—' : formatNumber(judge.mae)}</dd></div>
            <div className="metric"><dt>Correlation</dt><dd>{judge.correlation === null ? '—' : judge.correlation.toFixed(2)}</dd></div>
          </>
        )}
      </dl>
      {judge.guideline_clusters.length > 0 && <GuidelineClusters judge={judge} />}
      <div className="agreement-grid">
        {judge.value_type === 'categorical' && <Confusion judge={judge} />}
        <Disagreements judge={judge} />
      </div>
    </section>
  );
}

function Confusion({ judge }: { judge: JudgeAgreement }) {
  const max = Math.max(1, ...judge.labels.flatMap((h) => judge.labels.map((j) => judge.confusion[h]?.[j] ?? 0)));
  return (
    <figure className="card confusion">
      <table className="confusion-matrix">
        <caption>Confusion matrix: rows are people’s labels, columns the judge’s</caption>
        <thead>
          <tr>
            <td />
            {judge.labels.map((l) => <th key={l} scope="col">judge: {l}</th>)}
            <th scope="col">recall</th>
          </tr>
        </thead>
        <tbody>
          {judge.labels.map((h) => (
            <tr key={h}>
              <th scope="row">person: {h}</th>
              {judge.labels.map((j) => {
                const n = judge.confusion[h]?.[j] ?? 0;
                const share = n / max;
                return (
                  <td key={j} className={`cell ${h === j ? 'agree' : n > 0 ? 'disagree' : ''}`} style={{ ['--share' as string]: share }}>
                    {n}
                  </td>
                );
              })}
              <td className="num muted">{percent(judge.per_class.find((c) => c.label === h)?.recall)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">precision</th>
            {judge.labels.map((j) => <td key={j} className="num muted">{percent(judge.per_class.find((c) => c.label === j)?.precision)}</td>)}
            <td />
          </tr>
        </tbody>
      </table>
    </figure>
  );
}

function GuidelineClusters({ judge }: { judge: JudgeAgreement }) {
  return (
    <section className="card guideline-clusters" aria-labelledby="clusters-title">
      <h3 id="clusters-title">Where the disagreements cluster</h3>
      <p className="muted small">
        Guideline texts grouped by their words (case, punctuation and words like “the” or “must” ignored). “Named”: disagreements whose
        rationales hold at least half of that guideline’s words, more than any other guideline of the trace.
      </p>
      <table className="grid runs clusters-table">
        <thead>
          <tr><th scope="col">Guideline</th><th scope="col" className="num">Named</th><th scope="col" className="num">Disagreements</th><th scope="col" className="num">Pairs</th><th scope="col" className="num">Rate</th><th scope="col">Traces</th></tr>
        </thead>
        <tbody>
          {judge.guideline_clusters.map((c) => (
            <tr key={c.guideline}>
              <td>
                {c.guideline}
                {c.texts.length > 1 && <span className="muted small"> ({c.texts.length} spellings)</span>}
              </td>
              <td className="num">{c.named}</td>
              <td className="num">{c.disagreements}</td>
              <td className="num">{c.pairs}</td>
              <td className="num">{percent(c.disagreement_rate)}</td>
              <td className="trace-links">
                {c.trace_ids.slice(0, 5).map((id) => (
                  <Link key={id} to="/traces/$traceId" params={{ traceId: id }} search={keepShell as never} className="mono small">{id.slice(0, 14)}</Link>
                ))}
                {c.trace_ids.length > 5 && <span className="muted small">+{c.trace_ids.length - 5} more</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Disagreements({ judge }: { judge: JudgeAgreement }) {
  return (
    <section className="card disagreements" aria-labelledby="disagreements-title">
      <h3 id="disagreements-title">
        Disagreements ({judge.disagreements_total}
        {judge.disagreements_total > judge.disagreements.length ? `, first ${judge.disagreements.length}` : ''})
      </h3>
      {judge.disagreements.length === 0 && <p className="muted">The judge and people agree on every pair.</p>}
      <ul className="disagreement-list">
        {judge.disagreements.map((d) => (
          <li key={d.trace_id} className="disagreement">
            <Link to="/traces/$traceId" params={{ traceId: d.trace_id }} search={keepShell as never} className="mono">{d.trace_id}</Link>
            <div className="side-by-side">
              <div>
                <p className="who-said">Judge{d.judge_source_id ? <span className="muted"> · {d.judge_source_id}</span> : null}: <strong className="verdict">{valueText(d.judge_value)}</strong></p>
                <p className="rationale">{d.judge_rationale ?? <span className="muted">no rationale</span>}</p>
              </div>
              <div>
                <p className="who-said">Person{d.human_source_id ? <span className="muted"> · {d.human_source_id}</span> : null}: <strong className="verdict">{valueText(d.human_value)}</strong></p>
                <p className="rationale">{d.human_rationale ?? <span className="muted">no rationale</span>}</p>
              </div>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
