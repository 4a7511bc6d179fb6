/** Splits the API's validation message ("a.b: reason; c[0].d: reason") so each part shows next to its field. */
export interface FieldErrors {
  all: string[];
  /** Messages for a field or anything under it (`scorers[0]` matches `scorers[0].sample_rate`). */
  byField(path: string): string[] | undefined;
  /** Messages no form field claimed, shown at the form's foot. */
  unplaced: string[];
}

const PLACED = /^(results_schema|sample|interval_minutes|filter_string|scorers\[\d+\])/;

/** A "; " that starts the next field's message (`scorers[1].guidelines: …`), not one inside a reason. */
const NEXT_FIELD = /;\s+(?=[A-Za-z_]\w*(?:\[\d+\]|\.\w+)*:\s)/;

/** `problems`: the API's `details.problems` when it sent them; otherwise the message is split. */
export function fieldErrors(message: string, problems?: readonly string[]): FieldErrors {
  const all = (problems && problems.length > 0 ? [...problems] : message.split(NEXT_FIELD)).map((m) => m.trim()).filter(Boolean);
  return {
    all,
    byField(path) {
      const found = all.filter((m) => m.startsWith(`${path}:`) || m.startsWith(`${path}.`) || m.startsWith(`${path}[`));
      return found.length > 0 ? found : undefined;
    },
    unplaced: all.filter((m) => !PLACED.test(m)),
  };
}
