/**
 * The fake judge as a vitest fixture, apart from fake-judge.ts: the benchmarks start the fake judge
 * outside the test runner, where vitest has no place.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startFakeJudge, type FakeJudge, type FakeJudgeOptions } from './fake-judge.ts';

/**
 * One fake judge for the enclosing file or `describe`: started before its tests, closed after them,
 * and after each test left idle, with no calls recorded, answering again. Read it through the
 * returned function inside hooks and tests.
 */
export function useFakeJudge(options: FakeJudgeOptions = {}): () => FakeJudge {
  let judge: FakeJudge | undefined;
  beforeAll(async () => {
    judge = await startFakeJudge(options);
  });
  afterAll(async () => {
    await judge?.close();
  });
  afterEach(async () => {
    await judge?.idle();
    if (judge) judge.calls.length = 0;
    judge?.setBehaviour({ type: 'answer' });
  });
  return () => {
    if (!judge) throw new Error('the fake judge starts in beforeAll: read it inside hooks and tests');
    return judge;
  };
}
