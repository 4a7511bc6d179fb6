/**
 * `node --import tsx test/support/drop-run.ts RUN`: drops the template and test databases of a run
 * that was interrupted before its teardown (global-setup.ts starts it, detached, on the way out).
 * Once now and once when the killed workers can no longer be creating one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { dropRunDatabases } from './database.ts';

const run = process.argv[2] ?? '';
if (!/^[0-9a-z]+$/.test(run)) throw new Error(`not a run id: ${run}`);
await dropRunDatabases(run);
await sleep(5_000);
await dropRunDatabases(run);
