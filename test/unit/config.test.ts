/**
 * Configuration: every problem reported at boot in one error, and secrets never in what is logged.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readTargetSecret, redactConfig } from '../../config/index.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('has the documented defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 5050,
      otlpGrpcPort: 4317,
      databaseUrl: undefined,
      redisUrl: undefined,
      dataDir: './.assay',
      logLevel: 'info',
      bodyLimitBytes: 10 * 1024 * 1024,
    });
    expect(config.judge.offline).toBe(true);
    expect(Object.isFrozen(config.judge)).toBe(true);
  });

  it('reads ASSAY_METRICS_PORT as a loopback port, HOST:PORT or off', () => {
    expect(loadConfig({}).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ ASSAY_METRICS_PORT: '9500' }).metrics).toEqual({ host: '127.0.0.1', port: 9500 });
    expect(loadConfig({ ASSAY_METRICS_PORT: '0.0.0.0:9464' }).metrics).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(loadConfig({ ASSAY_METRICS_PORT: '[::]:9464' }).metrics).toEqual({ host: '::', port: 9464 });
    expect(loadConfig({ ASSAY_METRICS_PORT: 'off' }).metrics).toBeNull();
    for (const bad of ['on', '70000', 'host:', ':9464', '94.64']) {
      expect(problemsOf({ ASSAY_METRICS_PORT: bad })).toEqual([expect.stringMatching(/^ASSAY_METRICS_PORT: .* is not a port, HOST:PORT or off/)]);
    }
  });

  it("reads the OTLP/gRPC port, or 'off'", () => {
    expect(loadConfig({ ASSAY_OTLP_GRPC_PORT: 'off' }).otlpGrpcPort).toBeNull();
    expect(loadConfig({ ASSAY_OTLP_GRPC_PORT: '14317' }).otlpGrpcPort).toBe(14317);
    expect(() => loadConfig({ ASSAY_OTLP_GRPC_PORT: 'on' })).toThrow(/ASSAY_OTLP_GRPC_PORT: must be a port number \(0-65535\) or 'off'/);
  });

  it('treats empty variables as unset and falls back to OPENAI_API_KEY', () => {
    const config = loadConfig({ DATABASE_URL: '', ASSAY_PORT: '', OPENAI_API_KEY: 'sk-fallback' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.port).toBe(5050);
    expect(config.judge.apiKey).toBe('sk-fallback');
    expect(config.judge.offline).toBe(false);
    expect(loadConfig({ OPENAI_API_KEY: 'sk-a', ASSAY_JUDGE_API_KEY: 'sk-b' }).judge.apiKey).toBe('sk-b');
  });

  it('reports every problem at once, each naming its variable', () => {
    const problems = problemsOf({
      ASSAY_PORT: 'eighty',
      DATABASE_URL: 'not a url',
      ASSAY_LOG_LEVEL: 'loud',
      ASSAY_BODY_LIMIT_BYTES: '-1',
      ASSAY_JUDGE_PRICES: '{not json',
      ASSAY_OFFLINE_JUDGE: 'maybe',
    });
    const variables = problems.map((p) => p.split(':')[0]);
    expect(variables.sort()).toEqual(
      ['ASSAY_BODY_LIMIT_BYTES', 'ASSAY_JUDGE_PRICES', 'ASSAY_LOG_LEVEL', 'ASSAY_OFFLINE_JUDGE', 'ASSAY_PORT', 'DATABASE_URL'].sort(),
    );
    const message = new ConfigError(problems).message;
    expect(message.split('\n')).toHaveLength(problems.length + 1);
  });

  it('never puts a secret into the config it logs', () => {
    const secrets = ['pg-secret', 'redis-secret', 'sk-judge-secret', 'assay_client-secret'];
    const config = loadConfig({
      DATABASE_URL: 'postgres://assay:pg-secret@db:5432/assay',
      REDIS_URL: 'redis://:redis-secret@redis:6379',
      ASSAY_JUDGE_API_KEY: 'sk-judge-secret',
      ASSAY_TOKEN: 'assay_client-secret',
    });
    const logged = JSON.stringify(redactConfig(config));
    for (const secret of secrets) expect(logged).not.toContain(secret);
    const redacted = redactConfig(config) as { databaseUrl: string; redisUrl: string; judge: { apiKey: string } };
    // Still useful for an operator: where it connects, not with what.
    expect(redacted.databaseUrl).toBe('postgres://assay:redacted@db:5432/assay');
    expect(redacted.redisUrl).toContain('redis:6379');
    expect(redacted.judge.apiKey).toBe('[redacted]');
    // Redacting does not change the live config.
    expect(config.databaseUrl).toContain('pg-secret');
  });

  it('does not echo a rejected secret in its problems', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgres//user:hunter2@db', REDIS_URL: 'redis//:hunter3' });
    expect(problems.join('\n')).not.toMatch(/hunter[23]/);
  });
});

describe('redactConfig and URLs with passwords', () => {
  it('hides a password in the judge and client URLs', () => {
    const config = loadConfig({ ASSAY_JUDGE_BASE_URL: 'https://user:hunter2@llm.example/v1', ASSAY_URL: 'http://admin:s3cret@assay:5050' });
    const logged = JSON.stringify(redactConfig(config));
    expect(logged).not.toContain('hunter2');
    expect(logged).not.toContain('s3cret');
  });

  it('points the CLI at ASSAY_HOST:ASSAY_PORT unless ASSAY_URL says otherwise, wildcards as loopback', () => {
    expect(loadConfig({}).client.url).toBe('http://127.0.0.1:5050');
    expect(loadConfig({ ASSAY_PORT: '6060' }).client.url).toBe('http://127.0.0.1:6060');
    expect(loadConfig({ ASSAY_HOST: '0.0.0.0', ASSAY_PORT: '6060' }).client.url).toBe('http://127.0.0.1:6060');
    expect(loadConfig({ ASSAY_HOST: '::' }).client.url).toBe('http://127.0.0.1:5050');
    expect(loadConfig({ ASSAY_HOST: '::1' }).client.url).toBe('http://[::1]:5050');
    expect(loadConfig({ ASSAY_PORT: '6060', ASSAY_URL: 'https://assay.example' }).client.url).toBe('https://assay.example');
  });

  it('serves embedded SQL on 5433 unless ASSAY_SQL_PORT moves it or turns it off', () => {
    expect(loadConfig({}).sqlPort).toBe(5433);
    expect(loadConfig({ ASSAY_SQL_PORT: '6543' }).sqlPort).toBe(6543);
    expect(loadConfig({ ASSAY_SQL_PORT: 'off' }).sqlPort).toBeUndefined();
    expect(problemsOf({ ASSAY_SQL_PORT: 'maybe' })[0]).toMatch(/^ASSAY_SQL_PORT: /);
  });
});

describe('secrets evaluation targets may name (ASSAY_TARGET_SECRETS)', () => {
  it('binds each name to one origin and reads it only for that origin', () => {
    const config = loadConfig({ ASSAY_TARGET_SECRETS: 'MY_APP_KEY@https://app.example.com, OTHER_KEY@http://127.0.0.1:8000/v1' });
    expect(config.targetSecrets).toEqual([
      { name: 'MY_APP_KEY', origin: 'https://app.example.com' },
      { name: 'OTHER_KEY', origin: 'http://127.0.0.1:8000' },
    ]);
    const env = { MY_APP_KEY: 'k1', OTHER_KEY: 'k2', UNLISTED_KEY: 'k3' };
    expect(readTargetSecret(config, 'MY_APP_KEY', 'https://app.example.com/v1/chat', env)).toBe('k1');
    expect(readTargetSecret(config, 'MY_APP_KEY', 'https://evil.example.com/v1', env)).toBeUndefined();
    expect(readTargetSecret(config, 'OTHER_KEY', 'http://127.0.0.1:8000/invoke', env)).toBe('k2');
    expect(readTargetSecret(config, 'UNLISTED_KEY', 'https://app.example.com', env)).toBeUndefined();
    expect(readTargetSecret(config, 'MY_APP_KEY', 'https://app.example.com', { MY_APP_KEY: '' })).toBeUndefined();
  });

  it.each(['ASSAY_JUDGE_API_KEY', 'ASSAY_TOKEN', 'ASSAY_ANYTHING', 'OPENAI_API_KEY'])('refuses %s: Assay settings and the judge key never reach a target', (name) => {
    const problems = problemsOf({ ASSAY_TARGET_SECRETS: `MY_APP_KEY@https://app.example.com,${name}@https://app.example.com` });
    expect(problems.join('\n')).toContain(`'${name}@https://app.example.com' is not NAME@origin`);
  });

  it('refuses an entry without an origin or with a bad name', () => {
    expect(problemsOf({ ASSAY_TARGET_SECRETS: 'MY_APP_KEY' }).join('\n')).toContain("'MY_APP_KEY' is not NAME@origin");
    expect(problemsOf({ ASSAY_TARGET_SECRETS: '1BAD@https://a.example' }).join('\n')).toContain("'1BAD@https://a.example' is not NAME@origin");
  });
});
