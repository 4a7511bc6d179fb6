#!/usr/bin/env node
// `npm run bench [-- NAME]`: the benchmark runner, through tsx like the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../bench/run.ts');
