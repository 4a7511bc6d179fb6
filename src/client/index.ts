/**
 * Assay's TypeScript client (`import { AssayClient } from 'assay/client'`): a typed client for the
 * HTTP API and `evaluate()` for apps whose target is a local function.
 */
export { AssayClient, type RunProgress } from './assay-client.ts';
export { evaluate, type EvaluateOptions, type EvaluateProgress, type EvaluateRecord, type EvaluateResult } from './evaluate.ts';
export { AssayApiError, type ClientOptions } from './http.ts';
export type * from './types.ts';
