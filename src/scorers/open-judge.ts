/** The judge a process should use: the configured endpoint, or the offline judge answering in-process. */
import type { Config } from '../../config/index.ts';
import { createJudgeClient, type JudgeClient, type JudgeDeps } from './judge-client.ts';

export interface OpenJudge {
  judge: JudgeClient;
  /** True when answers come from the offline heuristics. */
  offline: boolean;
}

export function openJudge(config: Config, deps: JudgeDeps = {}): OpenJudge {
  return { judge: createJudgeClient(config, deps), offline: config.judge.offline };
}
