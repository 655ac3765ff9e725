import { isAbsolute, resolve } from 'node:path';
import { GatewayError } from '../core/errors.ts';
import { isInside } from '../core/paths.ts';
import { packageDir } from '../core/package-dir.ts';
import { realInside } from './paths.ts';
import type { PackageFile } from './schema.ts';

/**
 * Real path of a file or folder inside an installed package. `path` must be relative and its real path
 * must stay inside the package's (no `..`, no symlink out of the package).
 */
export function resolvePackageFile(ref: PackageFile, from?: string): string {
  const root = packageDir(ref.package, from);
  if (isAbsolute(ref.path))
    throw new GatewayError(
      'CONFIG_INVALID',
      `path '${ref.path.slice(0, 100)}' in package '${ref.package}' must be relative`,
    );
  const path = resolve(root, ref.path);
  if (!isInside(root, path))
    throw new GatewayError('CONFIG_INVALID', `path '${ref.path.slice(0, 100)}' leaves package '${ref.package}'`);
  return realInside(root, path, `'${ref.path}'`, `package '${ref.package}'`, `package '${ref.package}'`);
}
