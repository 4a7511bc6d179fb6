/**
 * The fake judge and the fake target in a child process for bench/evaluate: both are remote in
 * production, so their CPU must not compete with the evaluating process's event loop.
 * Protocol (IPC): sends `{judgeUrl, targetUrl}` when listening; answers `'stats'` with
 * `{targetCalls, judgeCalls, judgePeak}`; exits on `'close'` or when the parent goes.
 */
import { startFakeJudge } from '../test/support/fake-judge.ts';
import { startFakeTarget } from '../test/support/fake-target.ts';

const judge = await startFakeJudge({ latencyMs: Number(process.env.FAKE_JUDGE_LATENCY_MS ?? '100') });
const target = await startFakeTarget({ latencyMs: Number(process.env.FAKE_TARGET_LATENCY_MS ?? '200') });
process.send?.({ judgeUrl: judge.url, targetUrl: target.url });
const close = () => void Promise.all([judge.close(), target.close()]).finally(() => process.exit(0));
process.on('message', (message) => {
  if (message === 'stats') process.send?.({ targetCalls: target.calls.length, judgeCalls: judge.calls.length, judgePeak: judge.peakConcurrency });
  if (message === 'close') close();
});
process.on('disconnect', close);
