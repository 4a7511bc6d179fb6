/** Request validation with zod: every problem named by its field. */
import type { z } from 'zod';
import { invalid } from '../domain/errors.ts';
import { zodMessage } from './error-status.ts';

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(zodMessage(result.error, prefix));
  return result.data;
}
