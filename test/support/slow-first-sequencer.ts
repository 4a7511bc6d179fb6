/**
 * Starts the slowest test files first, so that no long file starts last and runs alone at the end,
 * one project after another: browser, database, unit. A worker process serves one project and keeps
 * its modules from file to file (vitest.config.ts); a worker that takes a file of another project is
 * replaced by a new process, which loads the app again (about 3 s). Interleaving the projects made
 * 23 database and browser processes for 93 files; one project after another makes one per worker
 * slot and project. The browser files go first: they are among the slowest. The durations are the
 * ones `npm run test:durations` recorded on this kind of machine (test/file-durations.json);
 * vitest's own cache of them is empty on a fresh clone, where it would order files by size and
 * start a small but slow file (the README's first hour) near the end. Files not in the record (new
 * ones) go first: their time is not known yet.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const recorded = JSON.parse(readFileSync(new URL('../file-durations.json', import.meta.url), 'utf8')) as Record<string, number>;

/** Projects in the order they run; a project not listed runs last. */
const PROJECTS = ['browser', 'database', 'unit'];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const at = PROJECTS.indexOf(spec.project.name);
      return at < 0 ? PROJECTS.length : at;
    };
    // Unknown files rank above every recorded one of their project, and keep their order among themselves.
    const seconds = (spec: TestSpecification) => recorded[relative(this.ctx.config.root, spec.moduleId)] ?? Number.MAX_SAFE_INTEGER;
    return [...files].sort((a, b) => rank(a) - rank(b) || seconds(b) - seconds(a));
  }
}
