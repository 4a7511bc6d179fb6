import { afterEach, describe, expect, it } from 'vitest';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';

let fake: FakeJudge | undefined;
afterEach(async () => {
  await fake?.close();
});

const ask = (url: string) =>
  fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
  });

describe('the fake judge at its capacity', () => {
  it('answers 429 with retry-after-ms to a request beyond its capacity, and counts it', async () => {
    fake = await startFakeJudge({ latencyMs: 200, capacity: 2, capacityRetryAfterMs: 150 });
    const answers = await Promise.all([ask(fake.url), ask(fake.url), ask(fake.url)]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 429]);
    expect(answers.find((a) => a.status === 429)?.headers.get('retry-after-ms')).toBe('150');
    expect(fake.overCapacity).toBe(1);
    expect(fake.peakConcurrency).toBe(2);
    expect(fake.calls).toHaveLength(3);
    expect(fake.callCount).toBe(3);
    expect(fake.busyMs).toBeGreaterThan(0);
  });
});
