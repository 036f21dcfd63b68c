import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

// What `npm install sagachart` would unpack: the file list of `npm pack`, from the
// build that `npm test` makes first (pretest). --ignore-scripts: no second build here.
function packedFiles(): string[] {
  const run = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  const [pack] = JSON.parse(run.stdout) as [{ files: { path: string }[] }];
  return pack.files.map((file) => file.path);
}

type Exports = Record<string, { types: string; default: string }>;

describe('the published package', () => {
  const files = packedFiles();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Exports;
    bin: Record<string, string>;
  };

  it('should hold the built inspector, so serve and inspectorDir() find it once installed', () => {
    expect(files).toEqual(
      expect.arrayContaining(['inspector/dist/index.html', 'inspector/dist/app.js', 'inspector/dist/style.css']),
    );
  });

  it('should hold every export, the CLI and the commit worker', () => {
    const needed = [
      ...Object.values(pkg.exports).flatMap((entry) => [entry.types, entry.default]),
      ...Object.values(pkg.bin),
      './dist/src/store/sqliteCommitWorker.js',
    ].map((path) => path.replace(/^\.\//, ''));
    expect(files).toEqual(expect.arrayContaining(needed));
  });

  it('should leave the benchmarks out', () => {
    expect(files.filter((path) => path.startsWith('dist/bench/'))).toEqual([]);
  });
});
