import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GatewayError } from '../core/errors.ts';
import { packageDir } from '../model-store/package-file.ts';
import type { ModelPlugin } from './plugin.ts';
import { registerRuntime, runtimeModuleOf } from '../runtimes/registry.ts';
import type { Runtime } from '../runtimes/runtime.ts';

const BUILT_IN_DIR = new URL('.', import.meta.url);
const REQUIRED = ['name', 'modality', 'inputs', 'parseInstance', 'fromTensors', 'preprocess', 'postprocess'] as const;
const MODALITIES = new Set(['image', 'text', 'audio', 'tensor']);

function looksLikePlugin(v: unknown): v is ModelPlugin {
  return typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' && typeof (v as { preprocess?: unknown }).preprocess === 'function';
}

/** Rejects a malformed plugin with an error that names it (and where it came from). */
export function validatePlugin(p: ModelPlugin, origin: string, knownRuntimes: readonly string[]): void {
  const who = `plugin '${p.name}' (${origin})`;
  for (const key of REQUIRED) {
    if (p[key] === undefined) throw new GatewayError('PLUGIN_INVALID', `${who} has no '${key}'`);
  }
  if (!MODALITIES.has(p.modality)) throw new GatewayError('PLUGIN_INVALID', `${who}: modality '${p.modality}' is not one of ${[...MODALITIES].join(', ')}`);
  if (p.runtime !== undefined && !knownRuntimes.includes(p.runtime)) {
    throw new GatewayError('PLUGIN_INVALID', `${who}: unknown runtime '${p.runtime}' (known: ${knownRuntimes.join(', ')})`);
  }
  if (!Array.isArray(p.inputs) || p.inputs.length === 0) throw new GatewayError('PLUGIN_INVALID', `${who} declares no inputs`);
}

const looksLikeRuntime = (v: unknown): v is Runtime =>
  typeof v === 'object' && v !== null && typeof (v as Runtime).name === 'string' && typeof (v as Runtime).load === 'function' && !looksLikePlugin(v);

async function pluginsOfModule(url: string): Promise<ModelPlugin[]> {
  const mod = (await import(url)) as Record<string, unknown>;
  return Object.values(mod).filter(looksLikePlugin);
}

/**
 * Runtime adapters an external source exports (objects with `name` and `load()`): registered with the
 * module's URL, which inference threads import to run them. Built-in names cannot be replaced.
 */
async function runtimesOfModule(url: string, source: string, known: readonly string[]): Promise<string[]> {
  const mod = (await import(url)) as Record<string, unknown>;
  const found = Object.values(mod).filter(looksLikeRuntime);
  for (const r of found) {
    if (known.includes(r.name) && runtimeModuleOf(r.name) !== url) throw new GatewayError('PLUGIN_INVALID', `runtime '${r.name}' (${source}) is already defined`);
    registerRuntime(r.name, async () => r, url);
  }
  return found.map((r) => r.name); // all it exports: a second gateway in the process finds them registered already
}

/** The module to import for a plugin source: a folder (its index.ts/index.js), a file, or an npm package. */
function entryOf(source: string, cwd: string): string {
  const path = isAbsolute(source) || source.startsWith('.') ? resolve(cwd, source) : undefined;
  if (path) {
    if (!existsSync(path)) throw new GatewayError('PLUGIN_INVALID', `plugin source ${source} does not exist`);
    if (statSync(path).isFile()) return pathToFileURL(path).href;
    for (const f of ['index.ts', 'index.js', 'index.mjs']) if (existsSync(join(path, f))) return pathToFileURL(join(path, f)).href;
    throw new GatewayError('PLUGIN_INVALID', `plugin folder ${source} has no index.ts or index.js`);
  }
  const dir = packageDir(source, cwd);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports?: unknown; module?: string; main?: string };
  const dot = typeof pkg.exports === 'object' && pkg.exports !== null ? (pkg.exports as Record<string, unknown>)['.'] ?? pkg.exports : pkg.exports;
  const pick = (e: unknown): string | undefined =>
    typeof e === 'string' ? e : typeof e === 'object' && e !== null ? pick((e as Record<string, unknown>).import ?? (e as Record<string, unknown>).default) : undefined;
  return pathToFileURL(join(dir, pick(dot) ?? pkg.module ?? pkg.main ?? 'index.js')).href;
}

/** Plugins by name, built-in and external, validated before the gateway listens. */
export class PluginRegistry {
  private readonly plugins = new Map<string, { plugin: ModelPlugin; origin: string }>();

  add(plugin: ModelPlugin, origin: string, knownRuntimes: readonly string[]): void {
    validatePlugin(plugin, origin, knownRuntimes);
    const existing = this.plugins.get(plugin.name);
    if (existing) throw new GatewayError('PLUGIN_INVALID', `plugin '${plugin.name}' is defined twice (${existing.origin} and ${origin})`);
    this.plugins.set(plugin.name, { plugin, origin });
  }

  get(name: string): ModelPlugin {
    const p = this.plugins.get(name);
    if (!p) throw new GatewayError('CONFIG_INVALID', `unknown plugin '${name}' (known: ${this.names().join(', ') || 'none'})`);
    return p.plugin;
  }

  names(): string[] {
    return [...this.plugins.keys()].sort();
  }
}

/**
 * Loads the built-in plugins (every `plugins/<folder>/index.ts`) and the external sources named in
 * config: folders, files or npm packages whose exports include plugin objects, or runtime adapters
 * (`{ name, load }`), which become available to models' `runtime` by name.
 *
 * @example
 * const registry = await loadPlugins(['./examples/echo-plugin', 'massgate-plugin-foo'], ['onnx', 'tfjs']);
 */
export async function loadPlugins(external: readonly string[], knownRuntimes: readonly string[], cwd = process.cwd()): Promise<PluginRegistry> {
  const registry = new PluginRegistry();
  const builtIn = readdirSync(BUILT_IN_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(new URL(`${d.name}/index.ts`, BUILT_IN_DIR)))
    .map((d) => d.name)
    .sort();
  for (const dir of builtIn) {
    for (const p of await pluginsOfModule(new URL(`${dir}/index.ts`, BUILT_IN_DIR).href)) registry.add(p, `plugins/${dir}`, knownRuntimes);
  }
  let runtimes = [...knownRuntimes];
  for (const source of external) {
    let found: ModelPlugin[];
    let added: string[];
    try {
      const url = entryOf(source, cwd);
      added = await runtimesOfModule(url, source, runtimes);
      found = await pluginsOfModule(url);
    } catch (e) {
      if (e instanceof GatewayError) throw e;
      throw new GatewayError('PLUGIN_INVALID', `plugin source '${source}' failed to load: ${(e as Error).message}`, { cause: e });
    }
    runtimes = [...new Set([...runtimes, ...added])];
    if (found.length === 0 && added.length === 0) throw new GatewayError('PLUGIN_INVALID', `plugin source '${source}' exports no plugin or runtime`);
    for (const p of found) registry.add(p, source, runtimes);
  }
  return registry;
}
