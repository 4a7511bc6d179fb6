/**
 * Assay's configuration: the only reader of `process.env`.
 *
 * One zod schema turns the environment into a frozen, typed `Config`. Every problem is reported at
 * once at boot, so an operator fixes a bad deployment in one round instead of one variable at a time.
 */
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalUrl = z.string().trim().min(1).url().optional();

/** Per-model prices in USD per million tokens, e.g. `{"gpt-4.1-mini": {"input": 0.4, "output": 1.6}}`. */
const priceTable = z.record(
  z.string(),
  z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() }),
);

const jsonPrices = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return z.NEVER;
    }
  })
  .pipe(priceTable);

const envSchema = z.object({
  /** Address the HTTP API binds to. Default 127.0.0.1 (loopback only). */
  ASSAY_HOST: z.string().min(1).default('127.0.0.1'),
  /** HTTP port. Default 5050. */
  ASSAY_PORT: z.coerce.number().int().min(0).max(65535).default(5050),
  /** OTLP/gRPC port of the API role, bound to ASSAY_HOST; `off` serves no gRPC. Default 4317. */
  ASSAY_OTLP_GRPC_PORT: z
    .union([z.literal('off'), z.coerce.number().int().min(0).max(65535)], { error: "must be a port number (0-65535) or 'off'" })
    .default(4317),
  /** Embedded mode: port serving the embedded database over the Postgres protocol on loopback; `off` disables. Default 5433. */
  ASSAY_SQL_PORT: z
    .union([z.literal('off'), z.coerce.number().int().min(0).max(65535)])
    .default(5433),
  /** Postgres connection string. Unset: embedded PGlite under ASSAY_DATA_DIR. */
  DATABASE_URL: optionalUrl,
  /** Redis connection string for BullMQ. Unset: jobs run in-process. */
  REDIS_URL: optionalUrl,
  /** Where embedded data lives. Default ./.assay */
  ASSAY_DATA_DIR: z.string().min(1).default('./.assay'),
  /** pino level. Default info. */
  ASSAY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted request body, bytes. Default 10 MiB. */
  /** Serve the web console at / from the API process. Default true. */
  ASSAY_UI: bool.optional(),
  ASSAY_BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  /** BullMQ key prefix; use a hash tag such as `{assay}` on Redis Cluster. Default `assay`. */
  ASSAY_QUEUE_PREFIX: z.string().min(1).default('assay'),
  /** Jobs one worker process runs at a time. Default 8. */
  ASSAY_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** How long a worker's claim on a job lasts without renewal, ms; a killed worker's jobs go to another after it. Default 30000. */
  ASSAY_JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Days traces (with their spans and assessments) are kept; whole day partitions past it are dropped by the scheduler. Unset: kept forever. */
  ASSAY_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  /** Cron expression of the scheduler's tick. Default every 30 seconds. */
  ASSAY_SCHEDULER_CRON: z.string().min(1).default('*/30 * * * * *'),
  /** Longest a trace search may run, ms; a filter that takes longer is refused with a 400. Default 30000. */
  ASSAY_SEARCH_TIMEOUT_MS: z.coerce.number().int().min(1).default(30_000),
  /** Traces per monitoring chunk job. Default 500. */
  ASSAY_MONITOR_CHUNK_SIZE: z.coerce.number().int().min(1).max(100_000).default(500),
  /** Session judges in monitors (conversation_completeness, …). Default true; false refuses them in monitor documents and skips them in runs. */
  ASSAY_SESSION_JUDGES: bool.optional(),
  /** OpenAI-compatible base URL of the judge. Unset: the OpenAI API. */
  ASSAY_JUDGE_BASE_URL: optionalUrl,
  /** Judge API key; falls back to OPENAI_API_KEY. */
  ASSAY_JUDGE_API_KEY: z.string().min(1).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  /** Default judge model. Default gpt-4.1-mini. */
  ASSAY_JUDGE_MODEL: z.string().min(1).default('gpt-4.1-mini'),
  /** Concurrent judge calls per process. Default 16. */
  ASSAY_JUDGE_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(16),
  /** Deadline of one judge call, ms. Default 60000. */
  ASSAY_JUDGE_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  /** Attempts per judge call for transient errors and rate limits. Default 5. */
  ASSAY_JUDGE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  /** Shared judge rate limit, requests per minute (all workers, through Redis when set). Unset: none. */
  ASSAY_JUDGE_RPM: z.coerce.number().int().positive().optional(),
  /** Shared judge rate limit, tokens per minute. Unset: none. */
  ASSAY_JUDGE_TPM: z.coerce.number().int().positive().optional(),
  /** Longest wait honoured from a 429 retry-after, ms. Default 60000. */
  ASSAY_JUDGE_MAX_RETRY_AFTER_MS: z.coerce.number().int().min(0).default(60_000),
  /** Price table JSON (USD per million tokens by model). */
  ASSAY_JUDGE_PRICES: jsonPrices.optional(),
  /** Use the built-in offline heuristic judge instead of a remote endpoint. */
  ASSAY_OFFLINE_JUDGE: bool.optional(),
  /** CLI: the Assay API the resource commands talk to. Default http://ASSAY_HOST:ASSAY_PORT (0.0.0.0 and :: as 127.0.0.1). */
  ASSAY_URL: z.string().url().optional(),
  /** CLI: the API token the resource commands send. */
  ASSAY_TOKEN: z.string().min(1).optional(),
  /** Replaced by ASSAY_TARGET_SECRETS; refused with a message naming the replacement. */
  ASSAY_TARGET_KEY_ENVS: z
    .string()
    .refine(() => false, 'replaced by ASSAY_TARGET_SECRETS=NAME@origin,… (each secret bound to the origin it may be sent to)')
    .optional(),
  /** Secrets evaluation targets may name as `api_key_env`, each bound to one origin: `NAME@https://host[:port]`, comma-separated. Unset: none. */
  ASSAY_TARGET_SECRETS: z
    .string()
    .transform((text, ctx) => {
      const secrets: Array<{ name: string; origin: string }> = [];
      for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
        const at = entry.indexOf('@');
        const name = entry.slice(0, at);
        const origin = at > 0 ? originOf(entry.slice(at + 1)) : undefined;
        // Assay's own settings and the judge's fallback key are never sent to a target.
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || !origin || name.startsWith('ASSAY_') || name === 'OPENAI_API_KEY') {
          ctx.addIssue({
            code: 'custom',
            message: `'${entry}' is not NAME@origin (e.g. MY_APP_KEY@https://app.example.com; ASSAY_* names and OPENAI_API_KEY are not allowed)`,
          });
          return z.NEVER;
        }
        secrets.push({ name, origin });
      }
      return secrets;
    })
    .optional(),
  /** Origins outbound requests (evaluation targets) may reach, comma-separated; private addresses only when listed. Unset: public addresses only. */
  ASSAY_OUTBOUND_ALLOW: z
    .string()
    .transform((text, ctx) => {
      const origins: string[] = [];
      for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
        const origin = originOf(entry);
        if (!origin) {
          ctx.addIssue({ code: 'custom', message: `'${entry}' is not an http(s) origin such as http://127.0.0.1:8000` });
          return z.NEVER;
        }
        origins.push(origin);
      }
      return origins;
    })
    .optional(),
  /** Largest response body an outbound request may read, bytes. Default 4 MiB. */
  ASSAY_OUTBOUND_MAX_RESPONSE_BYTES: z.coerce.number().int().positive().default(4 * 1024 * 1024),
  /** Evaluation runs one token may have queued or running at once. Default 4. */
  ASSAY_EVALUATIONS_PER_TOKEN: z.coerce.number().int().min(1).default(4),
  /** Base URL of the console in alert messages' links. Default: http://ASSAY_HOST:ASSAY_PORT. */
  ASSAY_PUBLIC_URL: optionalUrl,
  /** Tries of one webhook delivery before it is given up. Default 10. */
  ASSAY_WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  /** Base of the exponential backoff between webhook tries, ms. Default 5000. */
  ASSAY_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).default(5000),
  /** Open mode without tokens, on loopback only, even after tokens existed. Default false. */
  ASSAY_OPEN: bool.optional(),
  /** Host names the API answers to (Host header), comma-separated; `*` for any. Default: loopback names in open mode, any otherwise. */
  ASSAY_ALLOWED_HOSTS: z.string().optional(),
  /**
   * Where a worker or scheduler process serves /metrics, /healthz and /readyz: a port (loopback),
   * `HOST:PORT` (e.g. `0.0.0.0:9464` in a container), or `off`. Default 9464. The API serves them on its own port.
   */
  ASSAY_METRICS_PORT: z
    .string()
    .trim()
    .transform((text, ctx) => {
      if (text === 'off') return null;
      const colon = text.lastIndexOf(':');
      const host = colon >= 0 ? text.slice(0, colon).replace(/^\[(.*)\]$/, '$1') : '127.0.0.1';
      const port = Number(colon >= 0 ? text.slice(colon + 1) : text);
      if (!host || !/^\d+$/.test(colon >= 0 ? text.slice(colon + 1) : text) || port > 65535) {
        ctx.addIssue({ code: 'custom', message: `'${text}' is not a port, HOST:PORT or off` });
        return z.NEVER;
      }
      return { host, port };
    })
    .optional(),
  /** Longest a stop (SIGTERM) may take before the process exits anyway, ms. Default 15000. */
  ASSAY_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /** Most records one dataset may hold. Default 1,000,000. */
  ASSAY_DATASET_MAX_RECORDS: z.coerce.number().int().positive().default(1_000_000),
  /** Most expectations one record may hold. Default 100. */
  ASSAY_DATASET_MAX_EXPECTATIONS: z.coerce.number().int().positive().default(100),
});

export type Mode = 'embedded' | 'distributed';

export interface Config {
  readonly host: string;
  readonly port: number;
  /** OTLP/gRPC port (ASSAY_OTLP_GRPC_PORT); null: no gRPC receiver. */
  readonly otlpGrpcPort: number | null;
  readonly databaseUrl: string | undefined;
  /** Embedded mode: the loopback port of the SQL (Postgres protocol) server; undefined when off. */
  readonly sqlPort: number | undefined;
  readonly redisUrl: string | undefined;
  readonly dataDir: string;
  readonly logLevel: z.infer<typeof envSchema>['ASSAY_LOG_LEVEL'];
  readonly bodyLimitBytes: number;
  /** Whether the API process serves the web console at `/` (ASSAY_UI, default true). */
  readonly ui: boolean;
  readonly queuePrefix: string;
  readonly workerConcurrency: number;
  readonly jobLockMs: number;
  readonly schedulerCron: string;
  /** ASSAY_RETENTION_DAYS: days traces are kept (per experiment: its retention_days); undefined: forever. */
  readonly retentionDays: number | undefined;
  readonly monitorChunkSize: number;
  /** Whether monitors run session judges (ASSAY_SESSION_JUDGES, default true). */
  readonly sessionJudges: boolean;
  readonly searchTimeoutMs: number;
  readonly judge: {
    readonly baseUrl: string | undefined;
    readonly apiKey: string | undefined;
    readonly model: string;
    readonly concurrency: number;
    readonly timeoutMs: number;
    readonly maxAttempts: number;
    readonly rpm: number | undefined;
    readonly tpm: number | undefined;
    readonly maxRetryAfterMs: number;
    readonly prices: Readonly<Record<string, { input: number; output: number }>>;
    /** True when no endpoint or key is configured, or ASSAY_OFFLINE_JUDGE says so. */
    readonly offline: boolean;
  };
  readonly datasets: { readonly maxRecords: number; readonly maxExpectations: number };
  /** Open mode on loopback even after tokens existed (ASSAY_OPEN). */
  readonly open: boolean;
  /** Host names the API answers to; undefined: loopback names in open mode, any otherwise. */
  readonly allowedHosts: readonly string[] | undefined;
  readonly shutdownTimeoutMs: number;
  /** Where worker and scheduler processes serve /metrics, /healthz, /readyz (ASSAY_METRICS_PORT); null: off. */
  readonly metrics: { readonly host: string; readonly port: number } | null;
  /** The policy for requests a user's input points somewhere (evaluation targets). */
  readonly outbound: {
    /** Origins allowed; undefined: any public address. */
    readonly allow: readonly string[] | undefined;
    readonly maxResponseBytes: number;
  };
  /** Secrets targets may use, each bound to the one origin it may be sent to. */
  readonly targetSecrets: ReadonlyArray<{ readonly name: string; readonly origin: string }>;
  readonly evaluationsPerToken: number;
  /** Base URL of the console, for links in alert messages. */
  readonly publicUrl: string;
  readonly webhooks: { readonly attempts: number; readonly backoffMs: number };
  /** Where CLI resource commands send their requests. */
  readonly client: { readonly url: string; readonly token: string | undefined };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment; throws one `ConfigError` listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const apiKey = e.ASSAY_JUDGE_API_KEY ?? e.OPENAI_API_KEY;
  const config: Config = {
    host: e.ASSAY_HOST,
    port: e.ASSAY_PORT,
    otlpGrpcPort: e.ASSAY_OTLP_GRPC_PORT === 'off' ? null : e.ASSAY_OTLP_GRPC_PORT,
    databaseUrl: e.DATABASE_URL,
    sqlPort: e.ASSAY_SQL_PORT === 'off' ? undefined : e.ASSAY_SQL_PORT,
    redisUrl: e.REDIS_URL,
    dataDir: e.ASSAY_DATA_DIR,
    logLevel: e.ASSAY_LOG_LEVEL,
    bodyLimitBytes: e.ASSAY_BODY_LIMIT_BYTES,
    ui: e.ASSAY_UI ?? true,
    queuePrefix: e.ASSAY_QUEUE_PREFIX,
    workerConcurrency: e.ASSAY_WORKER_CONCURRENCY,
    jobLockMs: e.ASSAY_JOB_LOCK_MS,
    schedulerCron: e.ASSAY_SCHEDULER_CRON,
    retentionDays: e.ASSAY_RETENTION_DAYS,
    monitorChunkSize: e.ASSAY_MONITOR_CHUNK_SIZE,
    sessionJudges: e.ASSAY_SESSION_JUDGES ?? true,
    searchTimeoutMs: e.ASSAY_SEARCH_TIMEOUT_MS,
    judge: {
      baseUrl: e.ASSAY_JUDGE_BASE_URL,
      apiKey,
      model: e.ASSAY_JUDGE_MODEL,
      concurrency: e.ASSAY_JUDGE_CONCURRENCY,
      timeoutMs: e.ASSAY_JUDGE_TIMEOUT_MS,
      maxAttempts: e.ASSAY_JUDGE_MAX_ATTEMPTS,
      rpm: e.ASSAY_JUDGE_RPM,
      tpm: e.ASSAY_JUDGE_TPM,
      maxRetryAfterMs: e.ASSAY_JUDGE_MAX_RETRY_AFTER_MS,
      prices: e.ASSAY_JUDGE_PRICES ?? {},
      offline: e.ASSAY_OFFLINE_JUDGE ?? (e.ASSAY_JUDGE_BASE_URL === undefined && apiKey === undefined),
    },
    datasets: { maxRecords: e.ASSAY_DATASET_MAX_RECORDS, maxExpectations: e.ASSAY_DATASET_MAX_EXPECTATIONS },
    client: { url: e.ASSAY_URL ?? localUrl(e.ASSAY_HOST, e.ASSAY_PORT), token: e.ASSAY_TOKEN },
    open: e.ASSAY_OPEN ?? false,
    allowedHosts: e.ASSAY_ALLOWED_HOSTS?.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
    shutdownTimeoutMs: e.ASSAY_SHUTDOWN_TIMEOUT_MS,
    metrics: e.ASSAY_METRICS_PORT === undefined ? { host: '127.0.0.1', port: 9464 } : e.ASSAY_METRICS_PORT,
    outbound: { allow: e.ASSAY_OUTBOUND_ALLOW, maxResponseBytes: e.ASSAY_OUTBOUND_MAX_RESPONSE_BYTES },
    targetSecrets: e.ASSAY_TARGET_SECRETS ?? [],
    evaluationsPerToken: e.ASSAY_EVALUATIONS_PER_TOKEN,
    publicUrl: (e.ASSAY_PUBLIC_URL ?? `http://${e.ASSAY_HOST.includes(':') ? `[${e.ASSAY_HOST}]` : e.ASSAY_HOST}:${e.ASSAY_PORT}`).replace(/\/+$/, ''),
    webhooks: { attempts: e.ASSAY_WEBHOOK_ATTEMPTS, backoffMs: e.ASSAY_WEBHOOK_BACKOFF_MS },
  };
  return deepFreeze(config);
}

/** The config as it may be logged: secrets and URL passwords replaced. */
export function redactConfig(config: Config): Record<string, unknown> {
  return {
    ...config,
    databaseUrl: redactUrl(config.databaseUrl),
    redisUrl: redactUrl(config.redisUrl),
    judge: { ...config.judge, baseUrl: redactUrl(config.judge.baseUrl), apiKey: config.judge.apiKey ? '[redacted]' : undefined },
    client: { url: redactUrl(config.client.url), token: config.client.token ? '[redacted]' : undefined },
  };
}

export function modeOf(config: Config): { database: 'postgres' | 'pglite'; queue: 'bullmq' | 'in-process' } {
  return {
    database: config.databaseUrl ? 'postgres' : 'pglite',
    queue: config.redisUrl ? 'bullmq' : 'in-process',
  };
}

/** The URL a client on this machine reaches a server bound to host:port at (a wildcard address as loopback). */
export function localUrl(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' || host === '[::]' ? '127.0.0.1' : host;
  return `http://${name.includes(':') && !name.startsWith('[') ? `[${name}]` : name}:${port}`;
}

function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return '[unparseable url]';
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** `scheme://host[:port]` of an http(s) URL (default ports dropped), or undefined. */
export function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    return parsed.origin;
  } catch {
    return undefined;
  }
}

/**
 * The value of a secret an evaluation target names as `api_key_env`, for a request to `url`: only
 * variables the operator listed in ASSAY_TARGET_SECRETS, and only for the origin each is bound to.
 * Undefined when not listed for that origin, or unset.
 */
export function readTargetSecret(
  config: Config,
  name: string,
  url: string,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const origin = originOf(url);
  if (!config.targetSecrets.some((s) => s.name === name && s.origin === origin)) return undefined;
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Prefix of the variables a webhook may name as `secret_env`: no other variable is ever read for it. */
export const WEBHOOK_SECRET_PREFIX = 'ASSAY_WEBHOOK_SECRET_';

/** The signing secret a webhook names, or undefined when unset (or not a webhook secret variable). */
export function readWebhookSecret(name: string, env: Record<string, string | undefined> = process.env): string | undefined {
  if (!name.startsWith(WEBHOOK_SECRET_PREFIX)) return undefined;
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** The environment with some variables replaced (an empty string unsets one): for commands such as the demo. */
export function loadConfigWith(overrides: Record<string, string>): Config {
  return loadConfig({ ...process.env, ...overrides });
}
