/**
 * Route schemas for the OpenAPI document, generated from the zod schemas that validate the requests
 * (one source of truth). Validation and serialization stay with zod and JSON.stringify: the JSON
 * Schema is only documentation, so the route's own compilers are replaced by pass-throughs, and it
 * is generated only when the document is built.
 */
import type { FastifySchema, RouteShorthandOptions } from 'fastify';
import { z } from 'zod';
import { errorBody } from './schemas/common.ts';

/** A body that is not (only) JSON: its schema per media type, e.g. OTLP's protobuf and JSON. */
export interface Media {
  media: Record<string, z.ZodType>;
}

export interface RouteSchemas {
  /** The request body; `null`: the route takes none. */
  body?: z.ZodType | Media | null;
  querystring?: z.ZodType;
  /**
   * Response bodies by status code; `null`: no content (204). Every route answers its 4xx with
   * the JSON error shape (`errorBody`); a route lists a 4xx code only to say when it happens.
   */
  response?: Record<number, z.ZodType | Media | null>;
}

/** A binary body, documented as an opaque string of bytes. */
export const binaryBody = z.string().meta({ format: 'binary' });

const isMedia = (value: unknown): value is Media => typeof value === 'object' && value !== null && 'media' in value;

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
  const out: FastifySchema & Record<string, unknown> = { ...schema };
  if (schemas.body === null) out['x-request-body'] = 'none';
  else if (schemas.body) out.body = isMedia(schemas.body) ? mediaSchema(schemas.body, 'input') : jsonSchemaOf(schemas.body, 'input');
  if (schemas.querystring) out.querystring = jsonSchemaOf(schemas.querystring, 'input');
  out.response = Object.fromEntries(
    Object.entries(responsesOf(schemas)).map(([status, s]) => [
      status,
      s === null ? { type: 'null', description: 'No content' } : isMedia(s) ? mediaSchema(s, 'output') : jsonSchemaOf(s, 'output'),
    ]),
  );
  return out;
}

/** A route's documented responses with the JSON error shape for every 4xx it does not list. */
export function responsesOf(schemas: RouteSchemas): Record<string, z.ZodType | Media | null> {
  return { ...schemas.response, '4xx': errorBody };
}

/** The zod schemas a route was documented with (undefined for a route without `documented`). */
export function routeSchemasOf(schema: FastifySchema | undefined): RouteSchemas | undefined {
  return (schema as DocumentedSchema | undefined)?.[ZOD_SCHEMAS];
}

function mediaSchema(body: Media, io: 'input' | 'output'): Record<string, unknown> {
  return { content: Object.fromEntries(Object.entries(body.media).map(([type, s]) => [type, { schema: jsonSchemaOf(s, io) }])) };
}
