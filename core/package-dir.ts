import { dirname, join, resolve } from 'node:path';
import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GatewayError } from './errors.ts';
import { isInside } from './paths.ts';

/**
 * An npm package name, scoped or not (npm's rules, upper case allowed for old packages): no `..`, no
 * slash beyond the scope's, never a path.
 */
const PACKAGE_NAME = /^(?:@[A-Za-z0-9~-][A-Za-z0-9._~-]*\/)?[A-Za-z0-9~-][A-Za-z0-9._~-]*$/;

/** True when `name` is a valid npm package name (at most 214 characters). */
export function isPackageName(name: string): boolean {
  return name.length <= 214 && PACKAGE_NAME.test(name);
}

/**
 * The installed folder of an npm package, found by walking up from `from` (and from this module)
 * through node_modules folders. The name must be a valid npm package name, and the folder's real path
 * must stay inside the real path of the node_modules folder it was found in (a package that is a
 * symlink out of node_modules, e.g. `npm link`, is refused). Works for packages whose `exports` field
 * blocks subpath imports (nsfwjs), since only the folder is needed.
 */
export function packageDir(name: string, from: string = process.cwd()): string {
  if (!isPackageName(name))
    throw new GatewayError('CONFIG_INVALID', `'${name.slice(0, 100)}' is not an npm package name`);
  for (const base of [from, dirname(fileURLToPath(import.meta.url))]) {
    let dir = resolve(base);
    for (;;) {
      const modules = join(dir, 'node_modules');
      const candidate = join(modules, ...name.split('/'));
      if (existsSync(join(candidate, 'package.json'))) {
        const real = realpathSync(candidate);
        if (!isInside(realpathSync(modules), real))
          throw new GatewayError(
            'CONFIG_INVALID',
            `npm package '${name}' resolves outside node_modules (a symlinked package is refused)`,
          );
        return real;
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new GatewayError('CONFIG_INVALID', `npm package '${name}' is not installed (run npm ci)`);
}
