import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { GatewayError } from '../core/errors.ts';
import type { PackageFile } from './schema.ts';

const require = createRequire(import.meta.url);

/**
 * The installed folder of an npm package, found by walking up from `from` through node_modules.
 * Works for packages whose `exports` field blocks subpath imports (nsfwjs), since only the folder is needed.
 */
export function packageDir(name: string, from: string = process.cwd()): string {
  for (const base of [from, dirname(new URL(import.meta.url).pathname)]) {
    let dir = resolve(base);
    for (;;) {
      const candidate = join(dir, 'node_modules', ...name.split('/'));
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new GatewayError('CONFIG_INVALID', `npm package '${name}' is not installed (run npm ci)`);
  }
}

/** Absolute path of a file inside an installed package; refuses paths that climb out of it. */
export function resolvePackageFile(ref: PackageFile, from?: string): string {
  const root = packageDir(ref.package, from);
  const path = resolve(root, ref.path);
  if (path !== root && !path.startsWith(root + sep)) throw new GatewayError('CONFIG_INVALID', `path '${ref.path}' leaves package '${ref.package}'`);
  if (!existsSync(path)) throw new GatewayError('CONFIG_INVALID', `'${ref.path}' not found in package '${ref.package}'`);
  return path;
}

/** The `version` field of an installed package, for model metadata. */
export function packageVersion(name: string, from?: string): string {
  return (JSON.parse(readFileSync(join(packageDir(name, from), 'package.json'), 'utf8')) as { version: string }).version;
}
