/**
 * Dataset synthesis: the judge LLM reads documents and writes realistic questions with the facts a
 * correct answer states. Each becomes a record (inputs `{question}`, expectations `expected_facts`
 * and the document as `expected_retrieved_context`, a document source) merged as one new version.
 */
import { parseDatasetName } from '../domain/dataset-name.ts';
import type { RecordInput } from '../domain/dataset-record.ts';
import type { JudgeClient } from '../scorers/judge-client.ts';
import { synthesisAnswer, synthesisPrompt } from '../scorers/dataset-synthesis.ts';
import type { Db } from '../storage/connect.ts';
import { getDatasetRow } from '../storage/dataset-repository.ts';
import type { DatasetLimits } from './dataset-change.ts';
import { mergeDatasetRecords, type MergeResult } from './merge-dataset.ts';

export interface SynthesisRequest {
  documents: ReadonlyArray<{ doc_uri: string; content: string }>;
  /** Records to write in all, spread over the documents as evenly as possible. */
  num_records: number;
  /** Free text for the judge: the audience, topics to stress, the style of questions. */
  guidance?: string | undefined;
}

export interface SynthesisResult extends MergeResult {
  /** Records the judge wrote (before matching: a question already in the dataset updates it). */
  synthesized: number;
  judge_model: string;
}

/** How many questions each document gets: `total` split as evenly as possible, earlier ones first. */
export function spread(total: number, documents: number): number[] {
  return Array.from({ length: documents }, (_, i) => Math.floor(total / documents) + (i < total % documents ? 1 : 0));
}

export async function synthesizeDatasetRecords(
  db: Db,
  judge: JudgeClient,
  name: string,
  request: SynthesisRequest,
  options: { user: string; limits: DatasetLimits; signal?: AbortSignal | undefined },
): Promise<SynthesisResult> {
  // A missing dataset fails before any judge call is paid for.
  await getDatasetRow(db, parseDatasetName(name).full);
  const counts = spread(request.num_records, request.documents.length);
  // The judge client bounds concurrency and rate; asking for every document at once is safe.
  const answers = await Promise.all(
    request.documents.map(async (document, i) => {
      const count = counts[i]!;
      if (count === 0) return { document, questions: [], model: judge.model };
      const answer = await judge.complete({
        ...synthesisPrompt(document, count, request.guidance),
        schema: synthesisAnswer,
        signal: options.signal,
      });
      return { document, questions: answer.parsed.questions.slice(0, count), model: answer.model };
    }),
  );
  const records: RecordInput[] = answers.flatMap(({ document, questions }) =>
    questions.map((q) => ({
      inputs: { question: q.question },
      expectations: {
        expected_facts: q.expected_facts,
        expected_retrieved_context: [{ doc_uri: document.doc_uri }],
      },
      source: { document: { doc_uri: document.doc_uri } },
    })),
  );
  const merged = await mergeDatasetRecords(db, name, { records }, { user: options.user, limits: options.limits });
  return { ...merged, synthesized: records.length, judge_model: answers.find((a) => a.questions.length > 0)?.model ?? judge.model };
}
