import { isAbsolute, relative } from 'node:path';

/** True when `path` is `root` or lies below it (both absolute and already resolved). */
export function isInside(root: string, path: string): boolean {
  const r = relative(root, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}
