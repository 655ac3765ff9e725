/**
 * TensorFlow.js as this project uses it, from its separate packages rather than the `@tensorflow/tfjs`
 * meta-package (whose browser bundles, WebGL backend and tfjs-data weigh ≈ 190 MB and serve nothing here):
 * the core (tensors, ops, gradients, io, optimizers), Layers (layers models, training), the converter (graph
 * models) and the plain-JS CPU backend, registered on import. The WASM backend and the optional tfjs-node
 * backends are loaded by backend.ts when chosen.
 *
 * The meta-package also patches op methods onto `Tensor` (`t.reshape(…)`, `t.add(…)`); these packages do
 * not, so code here calls ops as functions (`tf.reshape(t, …)`), which the types enforce.
 *
 * Import TensorFlow.js through this module only.
 *
 * @example
 * import * as tf from '../tfjs/tf.ts';
 * const y = tf.tidy(() => tf.relu(tf.tensor2d([[-1, 2]])));
 */
import '@tensorflow/tfjs-backend-cpu';
import { env } from '@tensorflow/tfjs-core';

// Production mode: TensorFlow.js's console notices are off in every thread that imports it, above all the CPU
// backend's banner on its first tensor ("Hi, looks like you are running TensorFlow.js in Node.js…", printed once per
// worker thread), which advises installing tfjs-node: the gateway picks its backends itself (TFJS_BACKENDS). In
// tfjs-core 4.22 the flag does nothing else (no check is skipped).
env().set('PROD', true);

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
export * from '@tensorflow/tfjs-converter';
