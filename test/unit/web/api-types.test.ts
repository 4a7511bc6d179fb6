/**
 * The console's API types are generated from the OpenAPI document (`npm run web:types`). This fails
 * when a route's schema changed and the committed document or types were not regenerated.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../src/api/openapi-document.ts';
import { ROOT } from '../../support/spawn-assay.ts';

const DIR = join(ROOT, 'src/web/src/api');

describe('console API types', () => {
  it('match the OpenAPI document the API serves (run `npm run web:types` if not)', async () => {
    const doc = JSON.parse(JSON.stringify(await openApiDocument())) as Record<string, unknown>;
    const committedDoc = JSON.parse(readFileSync(join(DIR, 'openapi.json'), 'utf8')) as Record<string, unknown>;
    expect(committedDoc, 'src/web/src/api/openapi.json is stale: run npm run web:types').toEqual(doc);
    const types = astToString(await openapiTS(doc as never));
    const committedTypes = readFileSync(join(DIR, 'schema.d.ts'), 'utf8');
    expect(committedTypes.endsWith(types), 'src/web/src/api/schema.d.ts is stale: run npm run web:types').toBe(true);
  }, 60_000);
});
