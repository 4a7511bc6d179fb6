/** A feedback value at a glance: yes/no as coloured chips, numbers as numbers, errors marked. */
import { verdictOf, type FeedbackLike } from '../lib/feedback';

export function VerdictChip({ assessment, title }: { assessment: FeedbackLike; title?: string }) {
  const v = verdictOf(assessment);
  const error = assessment.feedback?.error;
  return (
    <span className={`chip chip-${v.kind}`} title={title ?? (error ? `${error.error_code}: ${error.error_message}` : v.label)}>
      {v.kind === 'error' ? '⚠ error' : v.label}
    </span>
  );
}
