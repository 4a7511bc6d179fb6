/** Dataset records, versions and the runs that used a dataset, as the API shows them. */
import { z } from 'zod';
import { jsonValue, tagMap } from './common.ts';

const jsonObject = z.record(z.string(), jsonValue);

/** Where a record came from: a person, a document (synthesis) or a trace. */
const recordSourceJson = z.union([
  z.object({ human: z.object({ user_name: z.string() }) }),
  z.object({ document: z.object({ doc_uri: z.string(), content: z.string().optional() }) }),
  z.object({ trace: z.object({ trace_id: z.string() }) }),
]);

export const recordJson = z.object({
  dataset_record_id: z.string(),
  inputs: jsonObject,
  outputs: jsonValue,
  expectations: jsonObject,
  tags: tagMap,
  source: recordSourceJson.nullable(),
  create_time: z.string(),
  created_by: z.string().nullable(),
  last_update_time: z.string(),
  last_updated_by: z.string().nullable(),
});

/** A page of one version's records; the page token pins that version. */
export const recordPageJson = z.object({ version: z.number().int(), records: z.array(recordJson), next_page_token: z.string().optional() });

export const recordUpdateJson = z.object({ record: recordJson, version: z.number().int() });

/** Records deleted and the version that made (unchanged when none was found). */
export const recordDeleteJson = z.object({ deleted: z.number().int(), version: z.number().int() });

export const versionListJson = z.object({
  versions: z.array(z.object({
    version: z.number().int(),
    operation: z.string(),
    created_time: z.string(),
    created_by: z.string().nullable(),
    inserted: z.number().int(),
    updated: z.number().int(),
    deleted: z.number().int(),
    record_count: z.number().int(),
    digest: z.string(),
  })),
});

/** An evaluation run that read the dataset, newest first. */
export const datasetRunRefJson = z.object({
  run_id: z.string(),
  name: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  dataset_version: z.number().int(),
  created_at: z.string(),
});

export const mergeJson = z.object({
  inserted: z.number().int(),
  updated: z.number().int(),
  /** The dataset version after the merge (unchanged when the batch was empty). */
  version: z.number().int(),
  /** Traces read from `trace_ids` and `search`; traces with the same inputs make one record. */
  traces_read: z.number().int(),
});

export const synthesisJson = mergeJson.extend({
  /** Records the judge wrote (a question already in the dataset updates its record). */
  synthesized: z.number().int(),
  judge_model: z.string(),
});
