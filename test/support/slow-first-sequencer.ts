/**
 * Starts the slowest test files first, from every project at once, so that no long file starts
 * last and runs alone at the end. The durations are the ones `npm run test:durations` recorded on
 * this kind of machine (test/file-durations.json); vitest's own cache of them is empty on a fresh
 * clone, where it would order files by size and start a small but slow file (the README's first
 * hour) near the end. Files not in the record (new ones) go first: their time is not known yet.
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
