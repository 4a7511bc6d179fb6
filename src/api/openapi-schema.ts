/**
 * Route schemas for the OpenAPI document, generated from the zod schemas that validate the requests
 * (one source of truth). Validation and serialization stay with zod and JSON.stringify: the JSON
 * Schema is only documentation, so the route's own compilers are replaced by pass-throughs.
 */
import type { FastifySchema, RouteShorthandOptions } from 'fastify';
import { z } from 'zod';

export interface RouteSchemas {
  body?: z.ZodType;
  querystring?: z.ZodType;
  /** Response bodies by status code. */
  response?: Record<number, z.ZodType>;
}

/** JSON Schema of a zod schema as OpenAPI 3.0 understands it. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, $defs: _defs, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>;
  return withoutRefs(rest) as Record<string, unknown>;
}

/** Recursive schemas (any JSON value) refer to local definitions a route schema cannot carry: they become "any". */
function withoutRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutRefs);
  if (node === null || typeof node !== 'object') return node;
  if ('$ref' in node) return {};
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, withoutRefs(v)]));
}

/** Options to spread into a route: its documented schema, with zod still the only validator. */
export function documented(schemas: RouteSchemas): Pick<RouteShorthandOptions, 'schema' | 'validatorCompiler' | 'serializerCompiler'> {
  const schema: FastifySchema = {};
  if (schemas.body) schema.body = jsonSchemaOf(schemas.body, 'input');
  if (schemas.querystring) schema.querystring = jsonSchemaOf(schemas.querystring, 'input');
  if (schemas.response) {
    schema.response = Object.fromEntries(
      Object.entries(schemas.response).map(([status, s]) => [status, jsonSchemaOf(s, 'output')]),
    );
  }
  return {
    schema,
    validatorCompiler: () => () => true,
    serializerCompiler: () => (data) => JSON.stringify(data),
  };
}
