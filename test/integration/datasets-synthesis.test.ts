/** Dataset synthesis through the API with the offline judge, and through a fake judge that answers badly. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { client } from '../support/dataset-fixtures.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';

const DOCS = [
  {
    doc_uri: 'docs://billing/refunds',
    content:
      'Refunds are accepted within 30 days of purchase. Refunds go back to the original payment method. ' +
      'Gift cards cannot be refunded once they have been redeemed.',
  },
  { doc_uri: 'docs://account/password', content: 'You can reset your password from the login page using the emailed link.' },
];

describe('dataset synthesis (offline judge)', () => {
  let t: TestApp;
  let call: ReturnType<typeof client>;

  beforeAll(async () => {
    t = await startTestApp();
    call = client(t, await t.tokenHeaders('writer', 'author'));
    await call('POST', '/api/v1/datasets', { name: 'synth.docs' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('writes questions with expected facts and the document as context, from a document source', async () => {
    const res = await call('POST', '/api/v1/datasets/synth.docs/synthesize', { documents: DOCS, num_records: 5, guidance: 'customers' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ synthesized: 5, inserted: 5, updated: 0, version: 1, judge_model: 'offline-heuristic' });
    const { records } = (await call('GET', '/api/v1/datasets/synth.docs/records')).body;
    expect(records).toHaveLength(5);
    const byDoc = (uri: string) => records.filter((r: { source: { document: { doc_uri: string } } }) => r.source.document.doc_uri === uri);
    expect(byDoc('docs://billing/refunds')).toHaveLength(3);
    expect(byDoc('docs://account/password')).toHaveLength(2);
    for (const r of records) {
      expect(r.inputs.question).toMatch(/\?$/);
      expect(r.expectations.expected_facts.length).toBeGreaterThan(0);
      expect(r.expectations.expected_retrieved_context).toEqual([{ doc_uri: r.source.document.doc_uri }]);
      expect(r.created_by).toBe('author');
    }
    expect(records[0].expectations.expected_facts).toEqual(['Refunds are accepted within 30 days of purchase.']);
  });

  it('refuses bad requests before calling the judge', async () => {
    const empty = await call('POST', '/api/v1/datasets/synth.docs/synthesize', { documents: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toContain('documents');
    const missing = await call('POST', '/api/v1/datasets/synth.nope/synthesize', { documents: DOCS });
    expect(missing.status).toBe(404);
    const tooMany = await call('POST', '/api/v1/datasets/synth.docs/synthesize', { documents: DOCS, num_records: 5000 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain('num_records');
  });
});

describe('dataset synthesis (a real judge endpoint)', () => {
  let t: TestApp;
  let fake: FakeJudge;
  let call: ReturnType<typeof client>;

  beforeAll(async () => {
    fake = await startFakeJudge({
      answers: {
        dataset_synthesis: (c) => ({
          questions: Array.from({ length: Number(c.sections['NUMBER OF QUESTIONS']) }, (_, i) => ({
            question: `Q${i} about ${c.sections.DOCUMENT?.split('\n')[0]}`,
            expected_facts: [`fact ${i}`],
          })),
        }),
      },
    });
    t = await startTestApp({
      env: { ASSAY_OFFLINE_JUDGE: 'false', ASSAY_JUDGE_BASE_URL: fake.url, ASSAY_JUDGE_MAX_ATTEMPTS: '1' },
    });
    call = client(t, await t.tokenHeaders('writer', 'author'));
    await call('POST', '/api/v1/datasets', { name: 'synth.remote' });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('asks the judge once per document with the guidance, and merges what it wrote', async () => {
    const res = await call('POST', '/api/v1/datasets/synth.remote/synthesize', { documents: DOCS, num_records: 3, guidance: 'ask like a new customer' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ synthesized: 3, inserted: 3, judge_model: 'fake-judge' });
    // Documents are asked for in parallel: compare in a fixed order.
    const asked = fake.calls.map((c) => [c.marker, c.sections['NUMBER OF QUESTIONS'], c.sections.GUIDANCE, c.sections.DOCUMENT?.split('\n')[0]]);
    expect(asked.sort()).toEqual([
      ['dataset_synthesis', '1', 'ask like a new customer', 'docs://account/password'],
      ['dataset_synthesis', '2', 'ask like a new customer', 'docs://billing/refunds'],
    ]);
  });

  it('writes nothing when the judge fails', async () => {
    fake.setBehaviour({ type: 'unauthorized' });
    const res = await call('POST', '/api/v1/datasets/synth.remote/synthesize', { documents: DOCS });
    expect(res.status).toBe(502);
    expect(res.body.error_code).toBe('JUDGE_UNRECOVERABLE');
    const { dataset } = (await call('GET', '/api/v1/datasets/synth.remote')).body;
    expect(dataset).toMatchObject({ current_version: 1, record_count: 3 });
  });
});
