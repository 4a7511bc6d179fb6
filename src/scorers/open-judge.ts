/** The judge a process should use: the configured endpoint, or the offline judge started on the spot. */
import type { Config } from '../../config/index.ts';
import { createJudgeClient, type JudgeClient, type JudgeDeps } from './judge-client.ts';
import { startOfflineJudge } from './offline-judge.ts';

export interface OpenJudge {
  judge: JudgeClient;
  /** True when answers come from the offline heuristics. */
  offline: boolean;
  /** Stops the offline judge if one was started; idempotent. */
  close(): Promise<void>;
}

/** Starts the offline judge when `config.judge.offline`, then builds the client. */
export async function openJudge(config: Config, deps: Omit<JudgeDeps, 'offlineJudgeUrl'> = {}): Promise<OpenJudge> {
  if (!config.judge.offline) return { judge: createJudgeClient(config, deps), offline: false, close: async () => {} };
  const server = await startOfflineJudge();
  return { judge: createJudgeClient(config, { ...deps, offlineJudgeUrl: server.url }), offline: true, close: () => server.close() };
}
