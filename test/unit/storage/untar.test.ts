/** The first start's unpacker: archives made by tar(1), unpacked with their contents and modes, and what it refuses. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { untarGzip } from '../../../src/storage/untar.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assay-untar-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** tar czf of `entries` (paths relative to `cwd`, as given), read back as a Buffer. */
function tarGzip(cwd: string, entries: string[], flags: string[] = []): Buffer {
  const archive = join(tempDir(), 'archive.tar.gz');
  execFileSync('tar', ['-czf', archive, ...flags, ...entries], { cwd });
  return readFileSync(archive);
}

describe('untarGzip', () => {
  it('writes directories and files with their contents and modes, empty and multi-block files included', () => {
    const source = tempDir();
    mkdirSync(join(source, 'base/1'), { recursive: true });
    writeFileSync(join(source, 'PG_VERSION'), '17\n', { mode: 0o600 });
    writeFileSync(join(source, 'base/1/1259'), Buffer.alloc(8192 * 3 + 17, 7), { mode: 0o640 });
    writeFileSync(join(source, 'base/1/empty'), '');
    const into = join(tempDir(), 'pgdata');
    untarGzip(tarGzip(source, ['PG_VERSION', 'base']), into);
    expect(readFileSync(join(into, 'PG_VERSION'), 'utf8')).toBe('17\n');
    expect(readFileSync(join(into, 'base/1/1259'))).toEqual(Buffer.alloc(8192 * 3 + 17, 7));
    expect(readFileSync(join(into, 'base/1/empty'))).toHaveLength(0);
    expect(statSync(join(into, 'base/1/1259')).mode & 0o777).toBe(0o640);
    expect(statSync(join(into, 'PG_VERSION')).mode & 0o777).toBe(0o600);
  });

  it('refuses an entry that is neither a directory nor a file, and one outside the target', () => {
    const source = tempDir();
    writeFileSync(join(source, 'file'), 'x');
    symlinkSync('file', join(source, 'link'));
    expect(() => untarGzip(tarGzip(source, ['file', 'link']), join(tempDir(), 'a'))).toThrow(/link is of type '2'/);

    const nested = join(source, 'inner');
    mkdirSync(nested);
    const into = join(tempDir(), 'b');
    expect(() => untarGzip(tarGzip(nested, ['../file'], ['-P']), into)).toThrow(/outside the target directory/);
    expect(existsSync(join(into, '..', 'file'))).toBe(false);
  });
});
