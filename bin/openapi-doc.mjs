#!/usr/bin/env node
// Prints the API's OpenAPI document (the console's API types are generated from it: npm run web:types).
import { register } from 'tsx/esm/api';

register();
const { openApiDocument } = await import('../src/api/openapi-document.ts');
process.stdout.write(`${JSON.stringify(await openApiDocument(), null, 2)}\n`);
