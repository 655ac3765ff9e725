import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The serving layers, lowest first: a module may import its own layer and the layers before it, never
 * one after it (docs/architecture.md, "Layers").
 */
export const LAYERS = ['core', 'model-store', 'runtimes', 'plugins', 'training', 'gateway'] as const;

/**
 * Where a repository path belongs: its top folder (a layer, or a leaf: tools, load, examples, test), or
 * `root` (a file at the top, e.g. plugin-api.ts). Anything not a layer is a leaf no layer may import.
 */
export function placeOf(path: string): string {
  const top = path.split('/')[0]!;
  return path.includes('/') ? top : 'root';
}

/**
 * Module specifiers of one source file: static imports and re-exports, side-effect and dynamic imports with a literal.
 */
export function specifiersOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gms,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1]!);
  return found;
}

/**
 * Why `file` (a repository path) may not import `specifier`, or undefined when it may. Only modules in a
 * layer are checked (tests beside the code and the leaves may import anything); a relative import is
 * resolved against the file, and the package's own name (`massgate/...`) is refused inside the layers.
 */
export function violation(file: string, specifier: string): string | undefined {
  const from = placeOf(file);
  const rank = (LAYERS as readonly string[]).indexOf(from);
  if (rank < 0 || /\.test\.ts$/.test(file)) return undefined;
  if (specifier === 'massgate' || specifier.startsWith('massgate/'))
    return `${file} imports its own package's entry '${specifier}' (use a relative import)`;
  if (!specifier.startsWith('.')) return undefined;
  const target = relative('.', join(dirname(file), specifier))
    .split(sep)
    .join('/');
  if (target.startsWith('..')) return `${file} imports '${specifier}' from outside the repository`;
  const to = placeOf(target);
  const toRank = (LAYERS as readonly string[]).indexOf(to);
  if (toRank < 0)
    return `${file} (${from}) imports ${target}, in ${to === 'root' ? 'the repository root' : `${to}/`}, which nothing that serves may import`;
  if (toRank > rank) return `${file} (${from}) imports ${target} from ${to}, a layer above it`;
  return undefined;
}

/** Every non-test module of the layers (.ts, .mjs), as repository paths. */
export function layerModules(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else if (/\.(ts|mjs)$/.test(e.name) && !/\.test\.ts$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(path);
    }
  };
  for (const layer of LAYERS) walk(layer);
  return out.sort();
}

/** Every import in the layers that breaks the direction, one line each. */
export function layerViolations(root: string): string[] {
  const out: string[] = [];
  for (const file of layerModules(root)) {
    for (const spec of specifiersOf(readFileSync(resolve(root, file), 'utf8'))) {
      const v = violation(file, spec);
      if (v) out.push(v);
    }
  }
  return out;
}
