/** A trace's spans as a tree in display order, with each span's place on the trace's timeline. */
export interface SpanLike {
  span_id: string;
  parent_span_id: string | null;
  name: string;
  start_time_unix_nano: string;
  end_time_unix_nano: string | null;
}

export interface SpanRow<S extends SpanLike> {
  span: S;
  depth: number;
  /** Offset of the start from the trace's first start, and the duration, in ms. */
  startMs: number;
  durationMs: number | null;
  /** Offset and width as fractions of the whole trace's duration, for the waterfall. */
  left: number;
  width: number;
}

export function spanTree<S extends SpanLike>(spans: readonly S[]): { rows: SpanRow<S>[]; totalMs: number } {
  if (spans.length === 0) return { rows: [], totalMs: 0 };
  const ns = (s: string) => BigInt(s);
  let first = ns(spans[0]!.start_time_unix_nano);
  let last = first;
  for (const s of spans) {
    const start = ns(s.start_time_unix_nano);
    if (start < first) first = start;
    const end = s.end_time_unix_nano ? ns(s.end_time_unix_nano) : start;
    if (end > last) last = end;
  }
  const totalMs = Number(last - first) / 1e6;
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map<string | null, S[]>();
  for (const s of spans) {
    // A parent missing from the trace makes the span a root rather than dropping it.
    const parent = s.parent_span_id && ids.has(s.parent_span_id) ? s.parent_span_id : null;
    const list = children.get(parent) ?? [];
    list.push(s);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => (ns(a.start_time_unix_nano) < ns(b.start_time_unix_nano) ? -1 : 1));
  const rows: SpanRow<S>[] = [];
  const stack: Array<{ span: S; depth: number }> = (children.get(null) ?? []).map((span) => ({ span, depth: 0 })).reverse();
  while (stack.length > 0) {
    const { span, depth } = stack.pop()!;
    const startMs = Number(ns(span.start_time_unix_nano) - first) / 1e6;
    const durationMs = span.end_time_unix_nano ? Number(ns(span.end_time_unix_nano) - ns(span.start_time_unix_nano)) / 1e6 : null;
    const scale = totalMs > 0 ? totalMs : 1;
    rows.push({ span, depth, startMs, durationMs, left: startMs / scale, width: Math.max((durationMs ?? 0) / scale, 0.002) });
    const kids = children.get(span.span_id) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i]!, depth: depth + 1 });
  }
  return { rows, totalMs };
}
