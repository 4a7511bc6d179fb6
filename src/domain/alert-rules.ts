/**
 * Alert rules, webhooks and the judge budget: parts of the monitor config document, validated with
 * it (every problem named by its path) and replaced whole with it.
 */
import { z } from 'zod';

export type AlertMetric = 'pass_rate' | 'mean' | 'judge_error_rate' | 'trace_count' | 'deferred_pairs';

/** The last N runs, or the last N minutes (60 = the last hour, 1440 = the last 24 hours). */
export type AlertWindow = { runs: number } | { minutes: number };

export interface AlertRule {
  /** Unique within the monitor; names the rule's state and history. */
  name: string;
  /**
   * The scorer (its feedback name); required for pass_rate and mean, optional for judge_error_rate,
   * absent for trace_count and deferred_pairs (the pairs a spent budget holds back, now).
   */
  scorer?: string;
  metric: AlertMetric;
  /** The wrong side: '<' fires when the value is below the threshold, '>' when above. */
  op: '<' | '>';
  threshold: number;
  window: AlertWindow;
  /** Level of the interval that must lie wholly past the threshold. Default 0.95. */
  confidence: number;
  /** Consecutive evaluations (one per run) the condition must hold before the rule fires. Default 1. */
  for_evaluations: number;
  /** Names of the monitor's webhooks told about each state change. */
  webhooks: string[];
}

export interface Webhook {
  name: string;
  /** http(s) URL, reached through the outbound policy (ASSAY_OUTBOUND_ALLOW). */
  url: string;
  /** `generic` (JSON for programs) or `slack` (an incoming-webhook message). Default generic. */
  format: 'generic' | 'slack';
  /** Environment variable holding the HMAC-SHA256 signing secret; must start with ASSAY_WEBHOOK_SECRET_. */
  secret_env?: string;
}

export interface JudgeBudget {
  /** Budgets renew at 00:00 UTC. */
  period: 'day';
  max_judge_calls?: number;
  max_tokens?: number;
  max_cost_usd?: number;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const nameField = z.string().regex(NAME, 'must be 1 to 64 letters, digits, _, . or -');

export const alertRuleShape = z
  .object({
    name: nameField,
    scorer: z.string().min(1).optional(),
    metric: z.enum(['pass_rate', 'mean', 'judge_error_rate', 'trace_count', 'deferred_pairs']),
    op: z.enum(['<', '>']),
    threshold: z.number(),
    window: z.union(
      [
        z.object({ runs: z.number().int('must be a whole number').min(1).max(1000) }).strict(),
        z.object({ minutes: z.number().int('must be a whole number').min(1).max(30 * 24 * 60) }).strict(),
      ],
      { error: 'must be {"runs": N} (1 to 1000) or {"minutes": N} (1 to 43200)' },
    ),
    confidence: z.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').default(0.95),
    for_evaluations: z.number().int('must be a whole number').min(1).max(1000).default(1),
    webhooks: z.array(z.string()).max(20).default([]),
  })
  .strict();

export const webhookShape = z
  .object({
    name: nameField,
    url: z.string().refine((u) => /^https?:\/\/[^\s]+$/i.test(u) && URL.canParse(u), 'must be an http(s) URL'),
    format: z.enum(['generic', 'slack']).default('generic'),
    secret_env: z
      .string()
      .regex(/^ASSAY_WEBHOOK_SECRET_[A-Z0-9_]+$/, 'must name an environment variable starting with ASSAY_WEBHOOK_SECRET_ (e.g. ASSAY_WEBHOOK_SECRET_OPS)')
      .optional(),
  })
  .strict();

export const budgetShape = z
  .object({
    period: z.literal('day').default('day'),
    max_judge_calls: z.number().int('must be a whole number').min(0).optional(),
    max_tokens: z.number().int('must be a whole number').min(0).optional(),
    max_cost_usd: z.number().min(0).optional(),
  })
  .strict()
  .refine((b) => b.max_judge_calls !== undefined || b.max_tokens !== undefined || b.max_cost_usd !== undefined, {
    message: 'set at least one of max_judge_calls, max_tokens, max_cost_usd',
  });

/**
 * A backfill's own judge budget, given with the backfill request: the most the backfill may spend,
 * on top of (never instead of) the monitor's daily budget.
 */
export interface BackfillBudgetLimits {
  max_judge_calls?: number;
  max_tokens?: number;
  max_cost_usd?: number;
}

export const backfillBudgetShape = z
  .object({
    max_judge_calls: z.number().int('must be a whole number').min(0).optional(),
    max_tokens: z.number().int('must be a whole number').min(0).optional(),
    max_cost_usd: z.number().min(0).optional(),
  })
  .strict()
  .refine((b) => b.max_judge_calls !== undefined || b.max_tokens !== undefined || b.max_cost_usd !== undefined, {
    message: 'set at least one of max_judge_calls, max_tokens, max_cost_usd',
  });

/** What a scorer's verdicts are, where its entry says (a custom judge's result_type); unknown otherwise. */
export type VerdictKind = 'pass_fail' | 'number' | 'categories';

/**
 * Problems that need the whole document: names, scorers and webhooks that must exist, threshold
 * ranges, and metrics a scorer's verdicts can give (`verdictKinds`, for the scorers whose kind is known).
 */
export function crossCheckAlerts(
  rules: readonly AlertRule[],
  webhooks: readonly Webhook[],
  scorerNames: ReadonlySet<string>,
  verdictKinds: ReadonlyMap<string, VerdictKind> = new Map(),
): string[] {
  const problems: string[] = [];
  const hookNames = new Set<string>();
  webhooks.forEach((hook, i) => {
    if (hookNames.has(hook.name)) problems.push(`webhooks[${i}].name: '${hook.name}' is used twice`);
    hookNames.add(hook.name);
  });
  const ruleNames = new Set<string>();
  rules.forEach((rule, i) => {
    const at = `alerts[${i}]`;
    if (ruleNames.has(rule.name)) problems.push(`${at}.name: '${rule.name}' is used twice`);
    ruleNames.add(rule.name);
    if (rule.metric === 'trace_count' || rule.metric === 'deferred_pairs') {
      if (rule.scorer !== undefined) problems.push(`${at}.scorer: ${rule.metric} counts for the whole monitor; leave scorer out`);
      if (rule.threshold < 0) problems.push(`${at}.threshold: must be 0 or more for ${rule.metric}`);
    } else if (rule.scorer === undefined) {
      if (rule.metric !== 'judge_error_rate') problems.push(`${at}.scorer: required for ${rule.metric}`);
    } else if (!scorerNames.has(rule.scorer)) {
      problems.push(`${at}.scorer: '${rule.scorer}' is not a scorer of this monitor (${[...scorerNames].join(', ') || 'none'})`);
    } else {
      const kind = verdictKinds.get(rule.scorer);
      if (kind === 'categories' && (rule.metric === 'pass_rate' || rule.metric === 'mean')) {
        problems.push(`${at}.metric: scorer '${rule.scorer}' gives categories (result_type categories), not pass/fail or numbers`);
      } else if (kind === 'number' && rule.metric === 'pass_rate') {
        problems.push(`${at}.metric: scorer '${rule.scorer}' gives numbers (result_type number), not pass/fail: use mean`);
      }
    }
    if ((rule.metric === 'pass_rate' || rule.metric === 'judge_error_rate') && (rule.threshold < 0 || rule.threshold > 1)) {
      problems.push(`${at}.threshold: must be in [0, 1] for ${rule.metric}`);
    }
    if (!Number.isFinite(rule.threshold)) problems.push(`${at}.threshold: must be a finite number`);
    rule.webhooks.forEach((name, j) => {
      if (!hookNames.has(name)) problems.push(`${at}.webhooks[${j}]: '${name}' is not a webhook of this monitor`);
    });
  });
  return problems;
}
