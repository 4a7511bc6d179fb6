/** The one place that maps error codes to HTTP statuses and builds error bodies. */
import type { FastifyError } from 'fastify';
import { ZodError } from 'zod';
import { AssayError, type ErrorCode } from '../domain/errors.ts';
import { zodMessage } from '../domain/validate.ts';

const STATUS: Record<ErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  RESOURCE_ALREADY_EXISTS: 409,
  RESOURCE_CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  REQUEST_LIMIT_EXCEEDED: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  NOT_READY: 503,
  JUDGE_RATE_LIMITED: 502,
  JUDGE_TRANSIENT: 502,
  JUDGE_UNRECOVERABLE: 502,
  JUDGE_OUTPUT_INVALID: 502,
  JUDGE_TIMEOUT: 504,
  TARGET_ERROR: 502,
  INTERNAL_ERROR: 500,
};

export interface ErrorBody {
  error_code: string;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * The status and body for an error. `bodyLimitBytes`, when given, is named in the 413 of a body
 * over the limit, so the caller knows what to split to.
 */
export function errorResponse(error: unknown, options: { bodyLimitBytes?: number } = {}): { status: number; body: ErrorBody } {
  if (error instanceof AssayError) {
    return {
      status: STATUS[error.code],
      body: { error_code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
    };
  }
  if (error instanceof ZodError) {
    return { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: zodMessage(error) } };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const message =
      options.bodyLimitBytes === undefined
        ? `body: ${fastifyError.message}`
        : `body: larger than the body limit of ${options.bodyLimitBytes} bytes (ASSAY_BODY_LIMIT_BYTES)`;
    return { status: 413, body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message } };
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { status: 415, body: { error_code: 'INVALID_PARAMETER_VALUE', message: `content-type: ${fastifyError.message}` } };
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return {
      status: fastifyError.statusCode,
      body: { error_code: 'INVALID_PARAMETER_VALUE', message: `body: ${fastifyError.message ?? 'invalid request'}` },
    };
  }
  return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'internal error; see the server log' } };
}
