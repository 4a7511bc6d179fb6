/**
 * Errors with a stable `code`. The API maps codes to HTTP statuses in one place
 * (`src/api/error-status.ts`), job processors map them to retry semantics in another
 * (`workers/retry-policy.ts`).
 */
export type ErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'RESOURCE_CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'NOT_READY'
  | 'JUDGE_RATE_LIMITED'
  | 'JUDGE_TRANSIENT'
  | 'JUDGE_UNRECOVERABLE'
  | 'JUDGE_OUTPUT_INVALID'
  | 'JUDGE_TIMEOUT'
  | 'TARGET_ERROR'
  | 'INTERNAL_ERROR';

export class AssayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AssayError';
    this.details = options?.details;
  }
  readonly details: Record<string, unknown> | undefined;
}

export const invalid = (message: string, details?: Record<string, unknown>) =>
  new AssayError('INVALID_PARAMETER_VALUE', message, { details });

export const notFound = (message: string) => new AssayError('RESOURCE_DOES_NOT_EXIST', message);

export const alreadyExists = (message: string) => new AssayError('RESOURCE_ALREADY_EXISTS', message);

export function isAssayError(error: unknown, code?: ErrorCode): error is AssayError {
  return error instanceof AssayError && (code === undefined || error.code === code);
}
