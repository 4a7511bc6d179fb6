/** The typed API client: paths and bodies come from the OpenAPI document (npm run web:types). */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { getToken } from '../shell/token';

/** An API error with the server's message, which names the field and the reason. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The validation problems one by one (`details.problems`), each starting with its field. */
    readonly problems?: string[],
  ) {
    super(message);
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
};

/** The JSON body a route answers with for a status (200 unless given), as the OpenAPI document says. */
export type ResponseOf<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer B } } };
}
  ? B
  : never;

/** The JSON body a route takes, as the OpenAPI document says. */
export type RequestOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

/** Unwraps an openapi-fetch result: the data, or an ApiError carrying the server's message. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const body = (result.error ?? {}) as { error_code?: string; message?: string; details?: { problems?: unknown } };
    const problems = Array.isArray(body.details?.problems) ? body.details.problems.filter((p): p is string => typeof p === 'string') : undefined;
    throw new ApiError(result.response.status, body.error_code ?? 'ERROR', body.message ?? result.response.statusText, problems);
  }
  return result.data as T;
}
