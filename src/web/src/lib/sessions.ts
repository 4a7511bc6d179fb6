/** The sessions page's own logic, kept apart from its requests so it can be tested alone. */

/**
 * The session-id search box as a clause of the filter language. Nothing inside quotes is unescaped,
 * so the text is quoted with whichever quote it does not hold (one holding both loses its `"`).
 */
export function sessionSearchFilter(text: string | undefined): string {
  const q = (text ?? '').trim();
  if (!q) return '';
  const quoted = q.includes("'") ? `"%${q.replaceAll('"', '')}%"` : `'%${q}%'`;
  return `metadata.\`mlflow.trace.session\` ILIKE ${quoted}`;
}
