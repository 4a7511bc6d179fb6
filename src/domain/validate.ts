/** Validation with zod: every problem named by its field, as a 400-class AssayError. */
import type { ZodError, z } from 'zod';
import { invalid } from './errors.ts';

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(zodMessage(result.error, prefix));
  return result.data;
}

/** Every zod issue as `path: message`, joined. */
export function zodMessage(error: ZodError, prefix = ''): string {
  return error.issues
    .map((i) => {
      const path = [prefix, ...i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
        .filter(Boolean)
        .join('.')
        .replaceAll('.[', '[');
      return `${path || 'body'}: ${i.message}`;
    })
    .join('; ');
}
