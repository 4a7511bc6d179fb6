/**
 * The fake judge in a child process for bench/judge: the judge is remote in production, so its CPU
 * must not compete with the client's event loop nor count in the client's CPU per call.
 * Protocol (IPC): sends `{url}` when listening; answers `'stats'` with `{peak, inFlight, calls}`; exits on `'close'`.
 */
import { startFakeJudge } from '../test/support/fake-judge.ts';

const latencyMs = Number(process.env.FAKE_JUDGE_LATENCY_MS ?? '100');
const fake = await startFakeJudge({ latencyMs });
process.send?.({ url: fake.url });
process.on('message', (message) => {
  if (message === 'stats') process.send?.({ peak: fake.peakConcurrency, inFlight: fake.inFlight, calls: fake.calls.length });
  if (message === 'close') void fake.close().finally(() => process.exit(0));
});
process.on('disconnect', () => void fake.close().finally(() => process.exit(0)));
