import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/index.ts';
import { JudgeClient } from '../../../src/scorers/judge-client.ts';
import { startOfflineJudge, type OfflineJudge } from '../../../src/scorers/offline-judge.ts';
import { openJudge } from '../../../src/scorers/open-judge.ts';
import { buildScorer, listScorers, scorerLevel } from '../../../src/scorers/registry.ts';
import { scorerInputFromTrace } from '../../../src/scorers/scorer-input.ts';
import { chatTrace, ragTrace } from '../../fixtures/scorer-traces.ts';

let offline: OfflineJudge;
let judge: JudgeClient;

beforeAll(async () => {
  offline = await startOfflineJudge();
  judge = new JudgeClient({ baseUrl: offline.url, model: 'any', concurrency: 4, timeoutMs: 5_000, maxAttempts: 2, maxRetryAfterMs: 100 });
});
afterAll(() => offline.close());

describe('offline judge', () => {
  it('answers every predefined judge on a RAG trace, labelled offline-heuristic', async () => {
    // With the expectations the last two need, every predefined judge applies to this trace.
    const input = {
      ...scorerInputFromTrace(ragTrace()),
      expectations: { guidelines: ['Answer in English'], expected_response: 'Annual plans: within 30 days.' },
    };
    const judges = listScorers().filter(
      (s) => s.kind === 'llm_judge' && s.name !== 'custom_judge' && s.name !== 'guidelines' && scorerLevel({ name: s.name }) === 'trace',
    );
    expect(judges.map((j) => j.name).sort()).toEqual(
      ['correctness', 'equivalence', 'expectations_guidelines', 'relevance_to_query', 'retrieval_groundedness', 'retrieval_relevance', 'retrieval_sufficiency', 'safety'].sort(),
    );
    for (const { name } of judges) {
      const scorer = buildScorer(name, { model: 'any' });
      expect(scorer.applicability(input), name).toEqual({ applies: true });
      const feedback = await scorer.score(input, { judge });
      expect(feedback.length).toBeGreaterThan(0);
      for (const f of feedback) {
        expect(f.error, `${name}: ${f.error?.error_message}`).toBeNull();
        expect(f.source).toEqual({ source_type: 'LLM_JUDGE', source_id: 'offline-heuristic' });
        if (!f.name.endsWith('/precision')) expect(f.rationale).toContain('offline-heuristic');
      }
    }
    const [grounded] = await buildScorer('retrieval_groundedness', { model: 'any' }).score(input, { judge });
    expect(grounded?.value).toBe('no'); // the first retriever did not return the price
  });

  it('answers the session judges from the conversation', async () => {
    const conversation = (text: string) => ({ ...scorerInputFromTrace(chatTrace()), conversation: { session_id: 's', turns: 2, text } });
    const calm = conversation('Turn 1\nUser: What is the refund window?\nAssistant: 30 days.\n\nTurn 2\nUser: Thanks\nAssistant: You are welcome.');
    const upset = conversation('Turn 1\nUser: Refund window?\nAssistant: \n\nTurn 2\nUser: That is not what I asked\nAssistant: Could you remind me of your order?');
    const value = async (name: string, input: ReturnType<typeof conversation>) => {
      const [f] = await buildScorer(name, { model: 'any' }).score(input, { judge });
      expect(f?.error, name).toBeNull();
      expect(f?.source.source_id).toBe('offline-heuristic');
      return f?.value;
    };
    expect(await value('conversation_completeness', calm)).toBe('yes');
    expect(await value('conversation_completeness', upset)).toBe('no');
    expect(await value('user_frustration', calm)).toBe('no');
    expect(await value('user_frustration', upset)).toBe('yes');
    expect(await value('knowledge_retention', calm)).toBe('yes');
    expect(await value('knowledge_retention', upset)).toBe('no');
    const [custom] = await buildScorer({ name: 'c', type: 'custom_session_judge', instructions: 'Helpful in {{ conversation }}?' }, { model: 'any' }).score(calm, { judge });
    expect(custom?.error).toBeNull();
  });

  it('answers guidelines and custom judges', async () => {
    const input = scorerInputFromTrace(chatTrace());
    const [rule] = await buildScorer({ name: 'g', type: 'guidelines', guidelines: ['Never mention "30 days"'] }, { model: 'any' }).score(input, { judge });
    expect(rule?.value).toBe('no');
    const [custom] = await buildScorer({ name: 'c', type: 'custom_judge', instructions: 'Does {{ outputs }} answer {{ inputs }}?' }, { model: 'any' }).score(input, { judge });
    expect(custom?.error).toBeNull();
  });

  it('refuses a prompt it has no heuristic for', async () => {
    await expect(judge.complete({ system: 'hello', user: 'world' })).rejects.toMatchObject({ code: 'JUDGE_UNRECOVERABLE' });
  });

  it('is what openJudge starts when no endpoint is configured', async () => {
    const opened = openJudge(loadConfig({}));
    expect(opened.offline).toBe(true);
    const [feedback] = await buildScorer('safety', { model: 'x' }).score(scorerInputFromTrace(chatTrace()), { judge: opened.judge });
    expect(feedback?.source.source_id).toBe('offline-heuristic');
  });
});
