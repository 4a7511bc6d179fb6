/** `GET /api/v1/whoami`: who the caller is and what their token may do; the console asks it first. */
import type { FastifyInstance } from 'fastify';
import { assayVersion } from '../../observability/version.ts';
import { anyActiveToken } from '../../storage/token-repository.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';
import { whoamiJson } from '../schemas/common.ts';

export async function whoamiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/api/v1/whoami', { config: { role: 'reader' }, ...documented({ response: { 200: whoamiJson } }) }, async (request) => ({
    name: request.principal.name,
    role: request.principal.role,
    auth_required: await anyActiveToken(ctx.db),
    version: assayVersion(),
  }));
}
