/**
 * The dataset synthesis prompt: from one document, the judge LLM writes realistic questions a user
 * could ask that the document answers, each with the facts a correct answer must state. Importing
 * this module also teaches the offline judge to answer it (one question per informative sentence).
 */
import { z } from 'zod';
import type { JsonValue } from '../domain/trace.ts';
import { OFFLINE_MODEL, registerOfflineHandler, terms } from './offline-heuristics.ts';
import { buildJudgePrompt, type JudgePrompt } from './prompt.ts';

export const SYNTHESIS_MARKER = 'dataset_synthesis';

const INSTRUCTION = `You write evaluation data for a question-answering application. Read the document
and write exactly the number of questions asked for. Each question must be one a real user of the
application could plausibly ask, answerable from the document alone, and different from the others;
vary their form (how, what, why, can I, ...) and difficulty. For each question list the facts from the
document that a correct answer must state, each a short self-contained sentence. Follow the guidance
when there is one.`;

const ANSWER =
  'Reply with one JSON object and nothing else, in this shape: ' +
  '{"questions": [{"question": "<the question>", "expected_facts": ["<fact>", "..."]}]}';

/** The judge's answer: questions with the facts a correct answer states. */
export const synthesisAnswer = z.object({
  questions: z
    .array(
      z.object({
        question: z.string().trim().min(1),
        expected_facts: z.array(z.coerce.string()).default([]),
      }),
    )
    .min(1),
});

export type SynthesisAnswer = z.infer<typeof synthesisAnswer>;

export function synthesisPrompt(document: { doc_uri: string; content: string }, count: number, guidance?: string): JudgePrompt {
  return buildJudgePrompt({
    judge: SYNTHESIS_MARKER,
    instruction: INSTRUCTION,
    answer: ANSWER,
    sections: [
      { label: 'NUMBER OF QUESTIONS', text: String(count) },
      { label: 'DOCUMENT', text: `${document.doc_uri}\n\n${document.content}` },
      ...(guidance ? [{ label: 'GUIDANCE', text: guidance }] : []),
    ],
  });
}

/** Sentences worth a question: a few content words, in document order. */
function informativeSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => terms(s).size >= 3);
}

/**
 * Offline: one question per informative sentence (cycling when more are asked than there are),
 * naming the sentence's first content words, with the sentence as the expected fact.
 */
function offlineSynthesis(sections: Record<string, string>): { [key: string]: JsonValue } {
  const count = Math.max(1, Number(sections['NUMBER OF QUESTIONS'] ?? '1') || 1);
  const body = (sections.DOCUMENT ?? '').split('\n').slice(2).join('\n');
  const sentences = informativeSentences(body);
  if (sentences.length === 0) sentences.push(body.trim() || 'the document');
  const questions = Array.from({ length: count }, (_, i) => {
    const sentence = sentences[i % sentences.length]!;
    const topic = [...terms(sentence)].slice(0, 4).join(' ');
    const round = Math.floor(i / sentences.length);
    const question = `What does the documentation say about ${topic}${round > 0 ? ` (variant ${round + 1})` : ''}?`;
    return { question, expected_facts: [sentence] };
  });
  return { questions, rationale: `[${OFFLINE_MODEL}] one question per informative sentence` };
}

registerOfflineHandler(SYNTHESIS_MARKER, ({ sections }) => offlineSynthesis(sections));
