/**
 * The soak's traffic: traces arriving continuously at a steady rate, spread over the experiments,
 * through REST (MLflow trace JSON, a few traces a request), OTLP/HTTP protobuf (a few traces a
 * request), and OTLP split over two requests — the child spans first, the root span a second or two
 * later, as an exporter sends a trace whose root ends last. A trace counts as complete once the
 * request carrying its root span was answered; that moment starts its feedback lag.
 */
import { chunk, makeTraces, otlpProtobuf, restBody, type BenchTrace } from '../bench/ingest-data.ts';
import { sleep } from './cluster.ts';

export interface SentTrace {
  traceId: string;
  experimentId: string;
  /** Date.now() when the request completing the trace was answered. */
  completedAt: number;
  via: 'rest' | 'otlp' | 'otlp-split';
}

export interface Traffic {
  /** Complete traces, in the order they completed. */
  readonly sent: SentTrace[];
  readonly requests: number;
  /** Requests that failed (their traces are not counted as sent). */
  readonly errors: string[];
  /** Stops sending and waits for requests in flight (split traces' roots included). */
  stop(): Promise<void>;
}

const KINDS = ['rest', 'otlp', 'otlp-split'] as const;

export function startTraffic(base: string, experimentIds: readonly string[], tracesPerSecond: number): Traffic {
  const sent: SentTrace[] = [];
  const errors: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let requests = 0;
  let made = 0;
  let stopped = false;

  const post = async (path: string, experimentId: string, body: string | Uint8Array, contentType: string) => {
    const payload = typeof body === 'string' ? body : Buffer.from(body);
    requests += 1;
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'x-assay-experiment-id': experimentId },
      body: payload,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${text.slice(0, 300)}`);
  };
  const completed = (traces: BenchTrace[], experimentId: string, via: SentTrace['via']) => {
    const at = Date.now();
    for (const t of traces) sent.push({ traceId: `tr-${t.traceHex}`, experimentId, completedAt: at, via });
  };
  const track = (work: Promise<void>) => {
    const tracked = work.catch((error: Error) => void errors.push(error.message)).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  const send = (kind: (typeof KINDS)[number], experimentId: string, traces: BenchTrace[]) => {
    if (kind === 'rest') {
      return track(post(`/api/v1/experiments/${experimentId}/traces`, experimentId, restBody(traces), 'application/json').then(() => completed(traces, experimentId, 'rest')));
    }
    if (kind === 'otlp') {
      return track(post('/v1/traces', experimentId, otlpProtobuf(traces), 'application/x-protobuf').then(() => completed(traces, experimentId, 'otlp')));
    }
    const children = traces.map((t) => ({ ...t, spans: t.spans.filter((s) => s.parent !== null) }));
    const roots = traces.map((t) => ({ ...t, spans: t.spans.filter((s) => s.parent === null) }));
    track(
      (async () => {
        await post('/v1/traces', experimentId, otlpProtobuf(children), 'application/x-protobuf');
        await sleep(1000 + Math.random() * 1000);
        await post('/v1/traces', experimentId, otlpProtobuf(roots), 'application/x-protobuf');
        completed(traces, experimentId, 'otlp-split');
      })(),
    );
  };

  const started = Date.now();
  const loop = (async () => {
    let request = 0;
    while (!stopped) {
      const due = Math.floor(((Date.now() - started) / 1000) * tracesPerSecond) - made;
      if (due <= 0) {
        await sleep(50);
        continue;
      }
      // A request holds 1 to 4 traces (at most what is due), one kind and experiment in turn.
      const size = Math.min(due, 1 + (request % 4));
      const kind = KINDS[request % KINDS.length]!;
      const experimentId = experimentIds[Math.floor(request / KINDS.length) % experimentIds.length]!;
      const traces = makeTraces(size, Date.now() - 1000, made);
      made += size;
      request += 1;
      for (const group of chunk(traces, 4)) send(kind, experimentId, group);
      // Bounded in flight: a slow API slows the traffic down instead of piling requests up.
      while (inFlight.size >= 16) await Promise.race(inFlight);
    }
  })();

  return {
    sent,
    get requests() {
      return requests;
    },
    errors,
    stop: async () => {
      stopped = true;
      await loop;
      await Promise.all(inFlight);
    },
  };
}
