import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Found {
  root: string;
  version: string;
}

function findRoot(from: string): Found {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    const pkg = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown })
      : undefined;
    if (pkg?.name === 'massgate') return { root: dir, version: String(pkg.version) };
    if (dirname(dir) === dir) throw new Error(`no package.json of massgate above ${from}`);
  }
}

const found = findRoot(dirname(fileURLToPath(import.meta.url)));

/**
 * The folder holding Massgate's own package.json (the repository root), found by walking up from this
 * module: the same folder whether the code runs from its sources (`core/`) or compiled (`dist/core/`, one
 * level deeper). Files the gateway reads beside its code (package.json, the default store `models/`) are
 * resolved from it, never from a module's own location.
 *
 * @example const store = join(PACKAGE_ROOT, 'models');
 */
export const PACKAGE_ROOT: string = found.root;

/** Massgate's version (package.json): the server metadata's, and what plugins' declared ranges are checked against. */
export const PACKAGE_VERSION: string = found.version;
