import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GatewayError } from '../core/errors.ts';
import { packageDir } from '../core/package-dir.ts';
import { COMPILED } from '../core/compiled.ts';

/** A folder's index files in order: the compiled gateway prefers JavaScript, the sources TypeScript. */
const INDEX = COMPILED ? ['index.js', 'index.mjs', 'index.ts'] : ['index.ts', 'index.js', 'index.mjs'];

/** The ESM entry a package.json names: `exports` ('.' → import/default), else `module`, `main`, index.js. */
function packageEntry(dir: string): string {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports?: unknown;
    module?: string;
    main?: string;
  };
  const dot =
    typeof pkg.exports === 'object' && pkg.exports !== null
      ? ((pkg.exports as Record<string, unknown>)['.'] ?? pkg.exports)
      : pkg.exports;
  const pick = (e: unknown): string | undefined =>
    typeof e === 'string'
      ? e
      : typeof e === 'object' && e !== null
        ? pick((e as Record<string, unknown>).import ?? (e as Record<string, unknown>).default)
        : undefined;
  return pathToFileURL(join(dir, pick(dot) ?? pkg.module ?? pkg.main ?? 'index.js')).href;
}

/**
 * The module URL to import for a `PLUGINS` source: a file; a folder holding a package.json (a package not
 * installed, such as examples/runtime-echo: its entry) or else an index file (index.js first when the
 * gateway runs compiled, index.ts first from the sources); or the name of an installed npm package (its entry).
 *
 * @example entryOf('./examples/runtime-echo', process.cwd()) // 'file:///…/examples/runtime-echo/index.js'
 */
export function entryOf(source: string, cwd: string): string {
  const path = isAbsolute(source) || source.startsWith('.') ? resolve(cwd, source) : undefined;
  if (!path) return packageEntry(packageDir(source, cwd));
  if (!existsSync(path)) throw new GatewayError('PLUGIN_INVALID', `plugin source ${source} does not exist`);
  if (statSync(path).isFile()) return pathToFileURL(path).href;
  if (existsSync(join(path, 'package.json'))) return packageEntry(path);
  for (const f of INDEX) if (existsSync(join(path, f))) return pathToFileURL(join(path, f)).href;
  throw new GatewayError('PLUGIN_INVALID', `plugin folder ${source} has no package.json, index.ts or index.js`);
}
