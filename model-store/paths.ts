import { existsSync, realpathSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { GatewayError } from '../core/errors.ts';
import { isInside } from '../core/paths.ts';

/**
 * The real path of `path` (symlinks followed), refused unless it stays inside the real path of `root`.
 * `shownAs` names the path in the error (relative to the store or the package, never absolute).
 * A missing path throws CONFIG_INVALID too, naming `shownAs`.
 *
 * @example
 * const file = realInside(storeRoot, join(dir, '1', 'model.onnx'), 'my-model/1/model.onnx', 'my-model');
 */
export function realInside(
  root: string,
  path: string,
  shownAs: string,
  owner: string,
  rootName = 'the model store',
): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    throw new GatewayError('CONFIG_INVALID', `${owner}: ${shownAs} not found`, { cause: e });
  }
  if (!isInside(realpathSync(root), real)) {
    throw new GatewayError(
      'CONFIG_INVALID',
      `${owner}: ${shownAs} resolves outside ${rootName} (a symlink or '..' that leaves it is refused)`,
    );
  }
  return real;
}

/** The roots under which paths in messages are shown relative: the store as given and as resolved. */
export function storeRoots(store: string): string[] {
  const roots = new Set([resolve(store)]);
  if (existsSync(store)) roots.add(realpathSync(store));
  return [...roots].sort((a, b) => b.length - a.length);
}

// An absolute POSIX path in free text: a '/' that does not follow a word character, ':' or '/' (so
// "1/2", "ms/s" and URLs are left alone), up to whitespace, a quote, a bracket or ':'.
const ABSOLUTE = /(?<![\w.~:/-])\/[^\s'"`<>|,;:()[\]{}]+/g;
const IN_PACKAGE = /^.*\/node_modules\/((?:@[^/]+\/)?[^/]+)(?:\/(.*))?$/;

function shortPath(path: string, roots: readonly string[]): string {
  for (const root of roots) {
    if (isInside(root, path)) return relative(root, path) || '<model store>';
  }
  const pkg = IN_PACKAGE.exec(path);
  if (pkg) return `${pkg[1]}:${pkg[2] ?? ''}`;
  return `…/${basename(path)}`;
}

/**
 * A message with every absolute path replaced for clients: paths inside the store become relative to it
 * (`my-model/2/model.onnx`), paths inside an npm package become `package:path` (`nsfwjs:dist/…`), and
 * any other absolute path keeps only its last segment. Full paths belong in logs only.
 *
 * @example
 * scrubPaths('Load model from /srv/models/m/1/model.onnx failed', ['/srv/models']); // 'Load model from m/1/model.onnx
 * failed'
 */
export function scrubPaths(message: string, roots: readonly string[]): string {
  return message.replace(ABSOLUTE, (match) => {
    const trail = /[.]+$/.exec(match)?.[0] ?? '';
    const path = match.slice(0, match.length - trail.length);
    return path ? shortPath(path, roots) + trail : match;
  });
}
