#!/usr/bin/env node
// Builds dist/pglite-template.tar.gz: a migrated embedded database a first start unpacks (see
// src/storage/pglite-template.ts). Run by `npm ci` and `npm run build`.
import { register } from 'tsx/esm/api';

register();
const { writeTemplate } = await import('../src/storage/pglite-template.ts');
console.log(`embedded database template: ${await writeTemplate()}`);
