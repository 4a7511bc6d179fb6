/** `assay --version`: the version of the package that runs, from the build and from the sources alike. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PACKAGE_VERSION, ROOT } from '../support/spawn-assay.ts';

const run = promisify(execFile);

describe('assay --version', () => {
  it.each([
    ['the build', {}],
    ['the TypeScript sources', { ASSAY_FROM_SOURCE: '1' }],
  ])('prints the package version from %s', async (_, extra) => {
    const env = { ...process.env, ...extra };
    for (const flag of ['--version', '-V']) {
      const { stdout } = await run(process.execPath, ['bin/assay.mjs', flag], { cwd: ROOT, env });
      expect(stdout).toBe(`${PACKAGE_VERSION}\n`);
    }
  });

  it('is listed in the help, and a command’s own --version stays the command’s', async () => {
    const help = await run(process.execPath, ['bin/assay.mjs', '--help'], { cwd: ROOT });
    expect(help.stdout).toMatch(/-V, --version +print the version/);
    // `datasets export NAME --version N` picks a dataset version: it reaches the command (here, to
    // fail on the API that is not there), not the program's version flag.
    const exported = run(process.execPath, ['bin/assay.mjs', 'datasets', 'export', 'golden', '--version', '1'], {
      cwd: ROOT,
      env: { ...process.env, ASSAY_URL: 'http://127.0.0.1:9' },
    });
    await expect(exported).rejects.toMatchObject({ stdout: '', stderr: expect.stringContaining('cannot reach the Assay API at http://127.0.0.1:9') });
  });
});
