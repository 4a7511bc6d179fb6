/** The fake judge in a child process (bench/fake-judge-process.ts), so its CPU is not ours. */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface FakeJudgeStats {
  peak: number;
  inFlight: number;
  calls: number;
  answered: { count: number; ms: number };
}

export interface RemoteFakeJudge {
  url: string;
  child: ChildProcess;
  /** Peak number of concurrent calls the fake saw. */
  peak(): Promise<number>;
  /** Calls in flight now, calls so far, and calls answered with their arrival-to-answer milliseconds summed. */
  stats(): Promise<FakeJudgeStats>;
  close(): Promise<void>;
}

export async function startRemoteFakeJudge(latencyMs: number): Promise<RemoteFakeJudge> {
  const child = fork(fileURLToPath(new URL('./fake-judge-process.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, FAKE_JUDGE_LATENCY_MS: String(latencyMs) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [first] = (await once(child, 'message')) as [{ url: string }];
  const stats = async () => {
    child.send('stats');
    const [answer] = (await once(child, 'message')) as [FakeJudgeStats];
    return answer;
  };
  return {
    url: first.url,
    child,
    peak: async () => (await stats()).peak,
    stats,
    close: async () => {
      if (child.exitCode !== null) return;
      child.send('close');
      await once(child, 'exit');
    },
  };
}
