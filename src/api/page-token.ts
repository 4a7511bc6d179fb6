/** Opaque page tokens: base64url JSON, validated with a schema on the way back in. */
import type { z } from 'zod';
import { invalid } from '../domain/errors.ts';

export function encodePageToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodePageToken<S extends z.ZodType>(token: string, schema: S): z.infer<S> {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through to the error below
  }
  throw invalid('page_token: invalid page token');
}
