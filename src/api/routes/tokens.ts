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
import { parseWith } from '../validate.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;

const createBody = z
  .object({
    name: z.string().regex(NAME, 'must be 1-100 letters, digits, dots, dashes, underscores or @, starting with a letter or digit'),
    role: z.enum(ROLES),
  })
  .strict();

const tokenInfo = {
  type: 'object',
  required: ['name', 'role', 'created_at', 'revoked_at', 'last_used_at'],
  properties: {
    name: { type: 'string' },
    role: { type: 'string', enum: [...ROLES] },
    created_at: { type: 'string', format: 'date-time' },
    revoked_at: { type: ['string', 'null'], format: 'date-time' },
    last_used_at: { type: ['string', 'null'], format: 'date-time', description: 'Recorded at most once a minute' },
  },
} as const;

const errorBody = {
  type: 'object',
  required: ['error_code', 'message'],
  properties: { error_code: { type: 'string' }, message: { type: 'string' } },
} as const;

export async function tokenRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/api/v1/tokens',
    {
      config: { role: 'admin' },
      schema: {
        response: { 200: { type: 'object', required: ['tokens'], properties: { tokens: { type: 'array', items: tokenInfo } } } },
      },
    },
    async () => ({ tokens: await listTokens(ctx.db) }),
  );

  app.post(
    '/api/v1/tokens',
    {
      config: { role: 'admin' },
      schema: {
        body: {
          type: 'object',
          required: ['name', 'role'],
          properties: { name: { type: 'string' }, role: { type: 'string', enum: [...ROLES] } },
        },
        response: {
          201: {
            type: 'object',
            required: ['token', 'info'],
            properties: { token: { type: 'string', description: 'Shown only in this answer' }, info: tokenInfo },
          },
          409: errorBody,
        },
      },
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
    {
      config: { role: 'admin' },
      schema: {
        params: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
        response: { 204: { type: 'null' }, 404: errorBody, 409: errorBody },
      },
    },
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
