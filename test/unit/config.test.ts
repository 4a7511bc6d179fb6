/**
 * Configuration: every problem reported at boot in one error, and secrets never in what is logged.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig } from '../../config/index.ts';

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
      databaseUrl: undefined,
      redisUrl: undefined,
      dataDir: './.assay',
      logLevel: 'info',
      bodyLimitBytes: 10 * 1024 * 1024,
    });
    expect(config.judge.offline).toBe(true);
    expect(Object.isFrozen(config.judge)).toBe(true);
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
