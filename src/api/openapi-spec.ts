/**
 * The OpenAPI document, built on its first request rather than at every start: the recorded routes
 * (route-table.ts) are registered again, handlers left out, on a bare Fastify instance that carries
 * @fastify/swagger, which then writes the document as if it had watched the application itself.
 */
import type { RouteOptions } from 'fastify';
import { withJsonSchemas } from './openapi-schema.ts';

export async function openApiSpec(routes: readonly RouteOptions[]): Promise<Record<string, unknown>> {
  const [{ default: Fastify }, { default: swagger }] = await Promise.all([import('fastify'), import('@fastify/swagger')]);
  const doc = Fastify({ exposeHeadRoutes: false });
  await doc.register(swagger, {
    openapi: {
      info: { title: 'Assay API', version: '1', description: 'Quality monitoring for GenAI applications' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: ({ schema, url }) => ({ schema: withJsonSchemas(schema), url }),
  });
  for (const route of routes) {
    const methods = [route.method].flat().filter((method) => method !== 'HEAD');
    if (methods.length === 0) continue;
    doc.route({
      method: methods,
      url: route.url,
      ...(route.schema ? { schema: route.schema } : {}),
      ...(route.config ? { config: route.config } : {}),
      // Documentation only: nothing is validated, serialized or answered here.
      validatorCompiler: () => () => true,
      serializerCompiler: () => (data) => JSON.stringify(data),
      handler: async () => null,
    });
  }
  await doc.ready();
  const spec = doc.swagger() as unknown as Record<string, unknown>;
  await doc.close();
  return spec;
}
