import type { Runtime } from './runtime.ts';
import { GatewayError } from '../core/errors.ts';

/**
 * Runtime adapters by name, imported on first use so that a gateway serving only ONNX models never
 * loads TensorFlow.js. Worker threads resolve runtimes through this table too.
 */
const LOADERS: Record<string, () => Promise<Runtime>> = {
  onnx: async () => (await import('./onnx/index.ts')).onnxRuntime,
  tfjs: async () => (await import('./tfjs/index.ts')).tfjsRuntime,
  fasttext: async () => (await import('./fasttext/index.ts')).fasttextRuntime,
  cld3: async () => (await import('./cld3/index.ts')).cld3Runtime,
  lande: async () => (await import('./lande/index.ts')).landeRuntime,
  faceapi: async () => (await import('./faceapi/index.ts')).faceapiRuntime,
  ngram: async () => (await import('./ngram/index.ts')).ngramRuntime,
};

/** Module URLs of runtimes registered from outside this repository: worker threads import them. */
const MODULES = new Map<string, string>();

/** Names of the runtimes this build knows. */
export const runtimeNames = (): string[] => Object.keys(LOADERS);

/**
 * Registers an extra runtime adapter (from a plugin package, say). `module` is the URL of the module
 * that exports it (as `runtime`, or any export whose `name` is `name`): inference threads import that
 * module to find it. Only code the operator configured calls this; nothing from a request reaches it.
 *
 * @example
 * registerRuntime('mine', async () => (await import(url)).runtime, url);
 */
export function registerRuntime(name: string, loader: () => Promise<Runtime>, module?: string): void {
  LOADERS[name] = loader;
  if (module) MODULES.set(name, module);
  else MODULES.delete(name);
}

/** The module a worker thread must import to find runtime `name` (undefined for built-in runtimes). */
export const runtimeModuleOf = (name: string): string | undefined => MODULES.get(name);

export async function getRuntime(name: string): Promise<Runtime> {
  const loader = LOADERS[name];
  if (!loader)
    throw new GatewayError('RUNTIME_UNAVAILABLE', `unknown runtime '${name}' (known: ${runtimeNames().join(', ')})`);
  return loader();
}
