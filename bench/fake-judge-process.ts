/**
 * The fake judge in a child process for bench/judge: the judge is remote in production, so its CPU
 * must not compete with the client's event loop nor count in the client's CPU per call.
 * Protocol (IPC): sends `{url}` when listening; answers `'stats'` with `{peak, inFlight, calls, answered}`; exits on `'close'`.
 * Calls are counted, not kept: a 20,000-call run would otherwise hold every request in the fake's heap.
 */
import { startFakeJudge } from '../test/support/fake-judge.ts';

const latencyMs = Number(process.env.FAKE_JUDGE_LATENCY_MS ?? '100');
const fake = await startFakeJudge({ latencyMs, keepCalls: false });
process.send?.({ url: fake.url });
process.on('message', (message) => {
  if (message === 'stats') process.send?.({ peak: fake.peakConcurrency, inFlight: fake.inFlight, calls: fake.callCount, answered: fake.answered });
  if (message === 'close') void fake.close().finally(() => process.exit(0));
});
process.on('disconnect', () => void fake.close().finally(() => process.exit(0)));
