import { existsSync, readdirSync } from 'node:fs';
import { GatewayError } from '../core/errors.ts';
import { COMPILED, MODULE_EXT } from '../core/compiled.ts';
import { checkMassgateRange } from './compat.ts';
import type { ModelPlugin } from './plugin.ts';
import { entryOf } from './source-entry.ts';
import { registerRuntime, runtimeModuleOf } from '../runtimes/registry.ts';
import type { Runtime } from '../runtimes/runtime.ts';

const BUILT_IN_DIR = new URL('.', import.meta.url);
/** A built-in plugin's entry: `<folder>/index.ts` from the sources, `<folder>/index.js` compiled. */
const BUILT_IN_ENTRY = `index${MODULE_EXT}`;
const REQUIRED = ['name', 'modality', 'inputs', 'parseInstance', 'fromTensors', 'preprocess', 'postprocess'] as const;
const MODALITIES = new Set(['image', 'text', 'audio', 'tensor']);

function looksLikePlugin(v: unknown): v is ModelPlugin {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { name?: unknown }).name === 'string' &&
    typeof (v as { preprocess?: unknown }).preprocess === 'function'
  );
}

/** Rejects a malformed plugin with an error that names it (and where it came from). */
export function validatePlugin(p: ModelPlugin, origin: string, knownRuntimes: readonly string[]): void {
  const who = `plugin '${p.name}' (${origin})`;
  for (const key of REQUIRED) {
    if (p[key] === undefined) throw new GatewayError('PLUGIN_INVALID', `${who} has no '${key}'`);
  }
  if (!MODALITIES.has(p.modality))
    throw new GatewayError(
      'PLUGIN_INVALID',
      `${who}: modality '${p.modality}' is not one of ${[...MODALITIES].join(', ')}`,
    );
  if (p.runtime !== undefined && !knownRuntimes.includes(p.runtime)) {
    throw new GatewayError(
      'PLUGIN_INVALID',
      `${who}: unknown runtime '${p.runtime}' (known: ${knownRuntimes.join(', ')})`,
    );
  }
  if (!Array.isArray(p.inputs) || p.inputs.length === 0)
    throw new GatewayError('PLUGIN_INVALID', `${who} declares no inputs`);
  checkMassgateRange(p.massgate, who);
  if (p.step !== undefined) validateStep(p, who);
  if (p.stream !== undefined) {
    if (!p.step) throw new GatewayError('PLUGIN_INVALID', `${who}: a stream needs a worker step to run its chunks`);
    const types = p.stream.contentTypes;
    if (
      !Array.isArray(types) ||
      types.length === 0 ||
      types.some((t) => typeof t !== 'string' || t !== t.toLowerCase())
    )
      throw new GatewayError('PLUGIN_INVALID', `${who}: its stream must list its content types, in lower case`);
    if (typeof p.stream.open !== 'function')
      throw new GatewayError('PLUGIN_INVALID', `${who}: its stream has no open()`);
  }
}

/** A worker step must say where the worker finds it and what it takes and returns. */
function validateStep(p: ModelPlugin, who: string): void {
  const s = p.step!;
  const bad = (what: string) => new GatewayError('PLUGIN_INVALID', `${who}: its worker step ${what}`);
  if (typeof s.module !== 'string' || !/^(file|data):/.test(s.module))
    throw bad(`needs 'module': the URL of the module that exports it (import.meta.url)`);
  if (typeof s.export !== 'string' || s.export === '')
    throw bad(`needs 'export': the name its module exports it under`);
  if (typeof s.run !== 'function') throw bad('has no run()');
  if (!Array.isArray(s.inputs) || s.inputs.length === 0 || !Array.isArray(s.outputs) || s.outputs.length === 0)
    throw bad('must declare its inputs and outputs');
  if (p.finetune) throw bad("rules out fine-tuning (a head is trained on the model's own outputs): drop one of them");
}

const looksLikeRuntime = (v: unknown): v is Runtime =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Runtime).name === 'string' &&
  typeof (v as Runtime).load === 'function' &&
  !looksLikePlugin(v);

/** The plugins a module exports, each worker step checked to be found where it says. */
async function pluginsOf(mod: Record<string, unknown>): Promise<ModelPlugin[]> {
  const plugins = Object.values(mod).filter(looksLikePlugin);
  for (const p of plugins) if (p.step && typeof p.step.module === 'string') await checkStepExport(p);
  return plugins;
}

/** A worker step is found by its module URL and export name: check now that they lead to it, as the worker will. */
async function checkStepExport(p: ModelPlugin): Promise<void> {
  const { module, export: name } = p.step!;
  let found: unknown;
  try {
    found = ((await import(module)) as Record<string, unknown>)[name];
  } catch (e) {
    throw new GatewayError(
      'PLUGIN_INVALID',
      `plugin '${p.name}': its worker step's module ${module} does not load: ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (found !== p.step)
    throw new GatewayError(
      'PLUGIN_INVALID',
      `plugin '${p.name}': ${module} exports no worker step named '${name}' (the one the plugin declares)`,
    );
}

/**
 * Runtime adapters an external module exports (objects with `name` and `load()`): registered with the
 * module's URL, which inference threads import to run them; their names. Built-in names cannot be replaced
 * (the same module may register its runtimes again: a second gateway in one process).
 */
function registerRuntimesOf(
  mod: Record<string, unknown>,
  url: string,
  source: string,
  known: readonly string[],
): string[] {
  const found = Object.values(mod).filter(looksLikeRuntime);
  for (const r of found) {
    if (known.includes(r.name) && runtimeModuleOf(r.name) !== url)
      throw new GatewayError('PLUGIN_INVALID', `runtime '${r.name}' (${source}) is already defined`);
    registerRuntime(r.name, async () => r, url);
  }
  return found.map((r) => r.name);
}

/** Plugins by name, built-in and external, validated before the gateway listens. */
export class PluginRegistry {
  private readonly plugins = new Map<string, { plugin: ModelPlugin; origin: string }>();

  add(plugin: ModelPlugin, origin: string, knownRuntimes: readonly string[]): void {
    validatePlugin(plugin, origin, knownRuntimes);
    const existing = this.plugins.get(plugin.name);
    if (existing)
      throw new GatewayError(
        'PLUGIN_INVALID',
        `plugin '${plugin.name}' is defined twice (${existing.origin} and ${origin})`,
      );
    this.plugins.set(plugin.name, { plugin, origin });
  }

  get(name: string): ModelPlugin {
    const p = this.plugins.get(name);
    if (!p)
      throw new GatewayError(
        'CONFIG_INVALID',
        `unknown plugin '${name}' (known: ${this.names().join(', ') || 'none'})`,
      );
    return p.plugin;
  }

  names(): string[] {
    return [...this.plugins.keys()].sort();
  }
}

/**
 * Loads the built-in plugins (every `plugins/<folder>/index.ts`, or `index.js` compiled) and the external sources named
 * in
 * config: folders, files or npm packages whose exports include plugin objects, or runtime adapters
 * (`{ name, load }`), which become available to models' `runtime` by name.
 *
 * @example
 * const registry = await loadPlugins(['./examples/image-stats', './examples/runtime-echo', 'massgate-plugin-foo'],
 * runtimeNames());
 */
export async function loadPlugins(
  external: readonly string[],
  knownRuntimes: readonly string[],
  cwd = process.cwd(),
): Promise<PluginRegistry> {
  const registry = new PluginRegistry();
  const builtIn = readdirSync(BUILT_IN_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(new URL(`${d.name}/${BUILT_IN_ENTRY}`, BUILT_IN_DIR)))
    .map((d) => d.name)
    .sort();
  for (const dir of builtIn) {
    const mod = (await import(new URL(`${dir}/${BUILT_IN_ENTRY}`, BUILT_IN_DIR).href)) as Record<string, unknown>;
    for (const p of await pluginsOf(mod)) registry.add(p, `plugins/${dir}`, knownRuntimes);
  }
  let runtimes = [...knownRuntimes];
  for (const source of external) {
    let mod: Record<string, unknown>;
    let url: string;
    try {
      url = entryOf(source, cwd);
      mod = (await import(url)) as Record<string, unknown>;
    } catch (e) {
      if (e instanceof GatewayError) throw e;
      // Compiled, Node imports JavaScript only (Node 20 cannot strip types).
      const hint =
        (e as { code?: unknown }).code === 'ERR_UNKNOWN_FILE_EXTENSION' && COMPILED
          ? ' (the compiled gateway imports JavaScript only: compile the plugin, or run the sources with `npm run dev`)'
          : '';
      throw new GatewayError(
        'PLUGIN_INVALID',
        `plugin source '${source}' failed to load: ${(e as Error).message}${hint}`,
        { cause: e },
      );
    }
    // A module-level `export const massgate = '^0.1.0'` covers everything the module exports.
    checkMassgateRange(mod.massgate, `plugin source '${source}'`);
    const registered = registerRuntimesOf(mod, url, source, runtimes);
    const found = await pluginsOf(mod);
    runtimes = [...new Set([...runtimes, ...registered])];
    if (found.length === 0 && registered.length === 0)
      throw new GatewayError('PLUGIN_INVALID', `plugin source '${source}' exports no plugin or runtime`);
    for (const p of found) registry.add(p, source, runtimes);
  }
  return registry;
}
