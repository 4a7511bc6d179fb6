/**
 * API tokens over HTTP, for admins: list, create (the token is shown once, in the answer), revoke.
 * Embedded mode cannot use `assay tokens` while the server holds the data directory, and the console
 * needs these too. Names are unique; revoked tokens stay listed, so names are never reused.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AssayError } from '../../domain/errors.ts';
import { createToken, listTokens, revokeToken, ROLES } from '../../storage/token-repository.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';
import { errorBody } from '../schemas/common.ts';
import { parseWith } from '../validate.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;

const createBody = z
  .object({
    name: z.string().regex(NAME, 'must be 1-100 letters, digits, dots, dashes, underscores or @, starting with a letter or digit'),
    role: z.enum(ROLES),
  })
  .strict();

const tokenInfo = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  created_at: z.string().describe('ISO 8601'),
  revoked_at: z.string().nullable(),
  last_used_at: z.string().nullable().describe('Recorded at most once a minute'),
});

export async function tokenRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/api/v1/tokens',
    { config: { role: 'admin' }, ...documented({ response: { 200: z.object({ tokens: z.array(tokenInfo) }) } }) },
    async () => ({ tokens: await listTokens(ctx.db) }),
  );

  app.post(
    '/api/v1/tokens',
    {
      config: { role: 'admin' },
      ...documented({
        body: createBody,
        response: { 201: z.object({ token: z.string().describe('Shown only in this answer'), info: tokenInfo }), 409: errorBody },
      }),
    },
    async (request, reply) => {
      const body = parseWith(createBody, request.body);
      const created = await createToken(ctx.db, body.name, body.role);
      ctx.log.info({ name: body.name, role: body.role, by: request.principal.name }, 'token created');
      return reply.code(201).send(created);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/api/v1/tokens/:name',
    { config: { role: 'admin' }, ...documented({ response: { 204: null, 404: errorBody, 409: errorBody } }) },
    async (request, reply) => {
      const tokens = await listTokens(ctx.db);
      const admins = tokens.filter((t) => t.role === 'admin' && t.revoked_at === null);
      if (admins.length === 1 && admins[0]!.name === request.params.name) {
        // Over HTTP this would lock every admin out; the CLI (`assay tokens revoke`) still can.
        throw new AssayError('RESOURCE_CONFLICT', `name: '${request.params.name}' is the last active admin token; create another admin token first`);
      }
      await revokeToken(ctx.db, request.params.name);
      ctx.log.info({ name: request.params.name, by: request.principal.name }, 'token revoked');
      return reply.code(204).send();
    },
  );
}
