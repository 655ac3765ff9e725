import * as tf from './tf.ts';
import { join } from 'node:path';
import { log } from '../../core/log.ts';
import { packageDir } from '../../core/package-dir.ts';
import { firstThatLoads } from '../providers.ts';

/** Backends in order of preference; `tensorflow*` need the optional native packages. */
export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

const INIT: Record<string, () => Promise<void>> = {
  // Optional peer dependencies: absent here (they download libtensorflow at install), used where installed.
  'tensorflow-gpu': async () => {
    await import('@tensorflow/tfjs-node-gpu' as string);
    await use('tensorflow');
  },
  tensorflow: async () => {
    await import('@tensorflow/tfjs-node' as string);
    await use('tensorflow');
  },
  wasm: async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(`${join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist')}/`);
    await use('wasm');
  },
  cpu: () => use('cpu'),
};

async function use(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' did not initialise`);
  await tf.ready();
}

let chosen: Promise<string> | undefined;

/**
 * Picks this thread's TensorFlow.js backend once: the first of `preferred` that initialises
 * (tfjs-node-gpu → tfjs-node → wasm → cpu by default). Later calls get the same backend.
 */
export function initBackend(preferred: readonly string[] = BACKENDS): Promise<string> {
  chosen ??= (async () => {
    tf.env().set('KEEP_INTERMEDIATE_TENSORS', false);
    const unknown = preferred.filter((p) => !INIT[p]);
    if (unknown.length)
      throw new Error(`unknown TensorFlow.js backend(s) ${unknown.join(', ')} (known: ${BACKENDS.join(', ')})`);
    const { provider } = await firstThatLoads(
      preferred,
      (p) => INIT[p]!(),
      (p, e) => log.debug('tfjs backend unavailable, trying the next', { backend: p, error: String(e) }),
    );
    return provider;
  })();
  chosen.catch(() => (chosen = undefined));
  return chosen;
}
