/**
 * Session judges: they read a whole conversation (a session's turns in order) instead of one trace.
 * `conversation_completeness`, `user_frustration`, `knowledge_retention` (MLflow's names), and
 * `custom_session_judge` with `{{ conversation }}` in its instructions. Monitors run them once a
 * session has been idle, evaluations on multi-turn records (chat messages as inputs); on a single
 * trace they do not apply.
 */
import { llmScorer } from '../llm-scorer.ts';
import { buildJudgePrompt } from '../prompt.ts';
import { notApplicable, APPLIES, type Applicability, type ScorerDefinition } from '../scorer.ts';
import type { ScorerInput } from '../scorer-input.ts';

const NOT_A_SESSION = notApplicable('a session judge: it reads a whole conversation (an idle session in monitors, a multi-turn record in evaluations)');

function hasConversation(input: ScorerInput): Applicability {
  return input.conversation && input.conversation.turns > 0 ? APPLIES : NOT_A_SESSION;
}

function conversationSection(input: ScorerInput) {
  return { label: 'CONVERSATION', text: input.conversation?.text ?? '' };
}

function sessionJudge(type: string, description: string, instruction: string): ScorerDefinition {
  return {
    type,
    kind: 'llm_judge',
    level: 'session',
    aliases: [],
    description,
    required_fields: ['conversation (a session, or a multi-turn record)'],
    create: (entry, defaults) =>
      llmScorer({
        name: entry.name,
        type,
        model: entry.model ?? defaults.model,
        applicability: hasConversation,
        asks: (input) => [{ prompt: buildJudgePrompt({ judge: type, instruction, sections: [conversationSection(input)] }) }],
      }),
  };
}

export const conversationCompleteness = sessionJudge(
  'conversation_completeness',
  'Whether the assistant resolved every request the user made over the whole conversation.',
  `You review a whole conversation between a user and an AI assistant, turn by turn.
Answer "yes" when every question or request the user made was answered or resolved by the end of the
conversation (a clear, justified refusal counts as resolved), and "no" when at least one request was
left unanswered, answered only in part, or dropped.`,
);

export const userFrustration = sessionJudge(
  'user_frustration',
  'Whether the user became frustrated during the conversation (yes = frustrated).',
  `You review a whole conversation between a user and an AI assistant, turn by turn.
Answer "yes" when the user shows frustration at any point: repeating or rephrasing the same request
because it was not understood, complaining, sarcasm, anger, or giving up; answer "no" otherwise.`,
);

export const knowledgeRetention = sessionJudge(
  'knowledge_retention',
  'Whether the assistant kept what the user said earlier (yes = no contradiction or forgetting).',
  `You review a whole conversation between a user and an AI assistant, turn by turn.
Answer "yes" when the assistant's answers stay consistent with facts and preferences the user gave in
earlier turns, and "no" when the assistant contradicts them, forgets them, or asks again for
information the user already gave.`,
);

const CONVERSATION_VARIABLE = /\{\{\s*conversation\s*\}\}/g;
const ANY_VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Problems with a custom session judge's instructions. */
function sessionInstructionProblems(instructions: string | undefined): string[] {
  if (instructions === undefined || instructions.trim() === '') return ['required for a custom_session_judge'];
  const used = [...new Set([...instructions.matchAll(ANY_VARIABLE)].map((m) => m[1] ?? ''))];
  if (!used.includes('conversation')) return ['must use {{ conversation }}'];
  return used.filter((v) => v !== 'conversation').map((v) => `unknown template variable '{{ ${v} }}'; a session judge knows {{ conversation }}`);
}

export const customSessionJudge: ScorerDefinition = {
  type: 'custom_session_judge',
  kind: 'llm_judge',
  level: 'session',
  aliases: [],
  description: 'A session judge with your own yes/no instructions using {{ conversation }}.',
  required_fields: ['instructions (in the entry)', 'conversation (a session, or a multi-turn record)'],
  validate: (entry) => sessionInstructionProblems(entry.instructions).map((p) => ['instructions', p]),
  create: (entry, defaults) => {
    const instruction = (entry.instructions ?? '').replace(CONVERSATION_VARIABLE, 'the CONVERSATION section');
    return llmScorer({
      name: entry.name,
      type: 'custom_session_judge',
      model: entry.model ?? defaults.model,
      applicability: hasConversation,
      asks: (input) => [{ prompt: buildJudgePrompt({ judge: 'custom_session_judge', instruction, sections: [conversationSection(input)] }) }],
    });
  },
};
