/**
 * The monitor config document: written whole, read whole. A PUT replaces everything; a field left
 * out is gone. Validation reports every problem at once, each named by its path.
 */
import { reservedSchemaReason } from './reserved-names.ts';
import { alertRuleShape, budgetShape, crossCheckAlerts, webhookShape, type AlertRule, type JudgeBudget, type VerdictKind, type Webhook } from './alert-rules.ts';
import { z } from 'zod';
import type { ScorerEntry } from './scorer-entry.ts';

export const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export interface MonitorConfig {
  /** Postgres schema of the results table. Set at creation, never changed. */
  results_schema: string;
  /** Default scorer rate, [0, 1]. Default 1. */
  sample: number;
  /** A paused monitor is not scheduled. Default false. */
  paused: boolean;
  /** Minutes between runs. Default 15. */
  interval_minutes: number;
  /** Monitor-wide filter: only matching traces are scored (every trace is still copied). */
  filter_string?: string;
  /**
   * Session judges run on a session once no new turn has arrived for this long, seconds (1 to
   * 86,400). Default 900. Absent in documents stored before session judges existed.
   */
  session_idle_seconds?: number;
  /** Type-specific fields (guidelines, instructions, model, …) pass through. */
  scorers: ScorerEntry[];
  /** Alert rules, evaluated after every run. */
  alerts?: AlertRule[];
  /** Where alert state changes are sent. */
  webhooks?: Webhook[];
  /** Judge spend per UTC day; pairs past it are deferred, not dropped. */
  budget?: JudgeBudget;
}

export const DEFAULT_SESSION_IDLE_SECONDS = 900;

/** The idle time after which a session is judged, seconds. */
export function sessionIdleSeconds(config: MonitorConfig): number {
  return config.session_idle_seconds ?? DEFAULT_SESSION_IDLE_SECONDS;
}

const rate = z.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]');

/** What the monitor owns in a scorer entry; names, types and type-specific fields are the registry's. */
const scorerShape = z
  .object({
    sample_rate: rate.optional(),
    filter_string: z.string().optional(),
  })
  .passthrough();

const configShape = z
  .object({
    results_schema: z
      .string()
      .regex(IDENTIFIER, 'must be a lower-case SQL identifier (letters, digits, _; at most 63)')
      .superRefine((schema, ctx) => {
        const reserved = reservedSchemaReason(schema);
        if (reserved) ctx.addIssue({ code: 'custom', message: `${reserved} (reserved); choose a schema of your own, such as 'monitoring'` });
      }),
    sample: rate.default(1),
    paused: z.boolean().default(false),
    interval_minutes: z.number().int('must be a whole number').min(1).max(7 * 24 * 60).default(15),
    filter_string: z.string().optional(),
    session_idle_seconds: z.number().int('must be a whole number of seconds').min(1, 'must be 1 to 86400 seconds').max(86_400, 'must be 1 to 86400 seconds').default(DEFAULT_SESSION_IDLE_SECONDS),
    scorers: z.array(z.unknown()).max(50, 'at most 50 scorers'),
    alerts: z.array(alertRuleShape).max(100, 'at most 100 rules').optional(),
    webhooks: z.array(webhookShape).max(20, 'at most 20 webhooks').optional(),
    budget: budgetShape.optional(),
  })
  .strict();

/**
 * The config document as validated: the document's shape, each scorer entry with the fields the
 * monitor owns (the registry checks a type's own fields). The OpenAPI body of PUT …/monitor.
 */
export const monitorConfigBody = configShape.extend({
  scorers: z.array(scorerShape.extend({ name: z.string().min(1), type: z.string().optional() })).max(50, 'at most 50 scorers'),
});

export interface ConfigChecks {
  /** Every problem of the scorer entries (types, type-specific fields, unique names) as `scorers[i].field: reason`. */
  validateScorers(entries: unknown[]): string[];
  /** The parser's message for a bad filter, or null. */
  filterError(filter: string): string | null;
}

/** Parses a config document; returns it, or every problem found. */
export function validateMonitorConfig(
  body: unknown,
  checks: ConfigChecks,
): { ok: true; config: MonitorConfig } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const parsed = configShape.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push(`${key}: unknown field (the document holds results_schema, sample, paused, interval_minutes, filter_string, session_idle_seconds, scorers, alerts, webhooks, budget)`);
      } else {
        problems.push(`${pathOf(issue.path) || 'body'}: ${issue.message}`);
      }
    }
  }
  const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const entries = Array.isArray(raw.scorers) ? raw.scorers : [];
  const scorers: ScorerEntry[] = [];
  entries.forEach((entry, i) => {
    const shape = scorerShape.safeParse(entry);
    const filter = (entry as { filter_string?: unknown } | null)?.filter_string;
    if (typeof filter === 'string') {
      const error = checks.filterError(filter);
      if (error) problems.push(`scorers[${i}].filter_string: ${error}`);
    }
    if (!shape.success) {
      for (const issue of shape.error.issues) problems.push(`${pathOf(['scorers', i, ...issue.path])}: ${issue.message}`);
      return;
    }
    scorers.push(shape.data as ScorerEntry);
  });
  problems.push(...checks.validateScorers(entries));
  if (typeof raw.filter_string === 'string') {
    const error = checks.filterError(raw.filter_string);
    if (error) problems.push(`filter_string: ${error}`);
  }
  if (parsed.success) {
    const names = new Set(entries.map((e) => (e as { name?: unknown } | null)?.name).filter((n): n is string => typeof n === 'string'));
    problems.push(...crossCheckAlerts(parsed.data.alerts ?? [], parsed.data.webhooks ?? [], names, verdictKinds(scorers)));
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems: [...new Set(problems)] };
  const { filter_string, alerts, webhooks, budget, ...rest } = parsed.data;
  return {
    ok: true,
    config: {
      ...rest,
      ...(filter_string !== undefined ? { filter_string } : {}),
      scorers,
      ...(alerts !== undefined ? { alerts } : {}),
      ...(webhooks !== undefined ? { webhooks } : {}),
      ...(budget !== undefined ? { budget } : {}),
    },
  };
}

/** The rate a scorer runs at. */
export function scorerRate(config: MonitorConfig, scorer: ScorerEntry): number {
  return scorer.sample_rate ?? config.sample;
}

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

/** The verdict kind of each scorer whose entry states it (a custom judge's result_type). */
function verdictKinds(scorers: readonly ScorerEntry[]): Map<string, VerdictKind> {
  const kinds = new Map<string, VerdictKind>();
  for (const entry of scorers) {
    const type = entry.result_type;
    if (type === undefined) continue;
    kinds.set(entry.name, type === 'yes_no' ? 'pass_fail' : type.type === 'number' ? 'number' : 'categories');
  }
  return kinds;
}
