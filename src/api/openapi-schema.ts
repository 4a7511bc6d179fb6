/**
 * Route schemas for the OpenAPI document, generated from the zod schemas that validate the requests
 * (one source of truth). Validation and serialization stay with zod and JSON.stringify: the JSON
 * Schema is only documentation, so the route's own compilers are replaced by pass-throughs, and it
 * is generated only when the document is built.
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

/** Where a route's schema keeps its zod schemas until the OpenAPI document is first asked for. */
const ZOD_SCHEMAS = Symbol('zod schemas');

type DocumentedSchema = FastifySchema & { [ZOD_SCHEMAS]?: RouteSchemas };

/**
 * Options to spread into a route: its documented schema, with zod still the only validator. The
 * JSON Schemas are made when the OpenAPI document is first built (`withJsonSchemas`), not when the
 * route is registered: converting every route's zod schemas is work a start does not need.
 */
export function documented(schemas: RouteSchemas): Pick<RouteShorthandOptions, 'schema' | 'validatorCompiler' | 'serializerCompiler'> {
  const schema: DocumentedSchema = { [ZOD_SCHEMAS]: schemas };
  return {
    schema,
    validatorCompiler: () => () => true,
    serializerCompiler: () => (data) => JSON.stringify(data),
  };
}

/** A route schema with the JSON Schemas of its zod schemas filled in (the OpenAPI document's `transform`). */
export function withJsonSchemas(schema: FastifySchema): FastifySchema {
  const schemas = (schema as DocumentedSchema | undefined)?.[ZOD_SCHEMAS];
  if (!schemas) return schema;
  const out: FastifySchema = { ...schema };
  if (schemas.body) out.body = jsonSchemaOf(schemas.body, 'input');
  if (schemas.querystring) out.querystring = jsonSchemaOf(schemas.querystring, 'input');
  if (schemas.response) {
    out.response = Object.fromEntries(Object.entries(schemas.response).map(([status, s]) => [status, jsonSchemaOf(s, 'output')]));
  }
  return out;
}
