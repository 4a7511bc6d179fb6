/**
 * Starts the slowest test files first, so that no long file starts last and runs alone at the end.
 * Browser, database and unit files share the forks (one vitest project): a fork keeps its loaded
 * modules from one file to the next, whichever kind the next file is. As three projects (browser,
 * then database, then unit) each fork was replaced twice by a new process that loaded the app
 * again: 159–174 s and ~230 CPU-seconds for the suite, where one project takes 153–155 s and ~207.
 * The durations are the ones `npm run test:durations` recorded on this kind of machine
 * (test/file-durations.json); vitest's own cache of them is empty on a fresh clone, where it would
 * order files by size and start a small but slow file (the README's first hour) near the end.
 * Files not in the record (new ones) go first: their time is not known yet.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const recorded = JSON.parse(readFileSync(new URL('../file-durations.json', import.meta.url), 'utf8')) as Record<string, number>;

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // Unknown files rank above every recorded one, and keep their order among themselves.
    const seconds = (spec: TestSpecification) => recorded[relative(this.ctx.config.root, spec.moduleId)] ?? Number.MAX_SAFE_INTEGER;
    return [...files].sort((a, b) => seconds(b) - seconds(a));
  }
}
