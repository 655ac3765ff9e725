import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModel } from '../../runtimes/onnx/writer/build.ts';

/**
 * A tiny "scale and sum" model: y = factor·x (2 by default) (FP32 [-1,4]) and s = Σx per row (FP32 [-1,1]),
 * plus an INT64 passthrough `ids` → `ids_out` so integer types are exercised end to end.
 */
export function scaleSumModel(factor = 2): Uint8Array {
  return buildModel({
    inputs: [
      { name: 'x', type: 'float32', shape: ['batch', 4] },
      { name: 'ids', type: 'int64', shape: ['batch', 2] },
    ],
    outputs: [
      { name: 'y', type: 'float32', shape: ['batch', 4] },
      { name: 's', type: 'float32', shape: ['batch', 1] },
      { name: 'ids_out', type: 'int64', shape: ['batch', 2] },
    ],
    initializers: [
      { name: 'two', type: 'float32', dims: [1], data: new Float32Array([factor]) },
      { name: 'axes', type: 'int64', dims: [1], data: new BigInt64Array([1n]) },
    ],
    nodes: [
      { op: 'Mul', inputs: ['x', 'two'], outputs: ['y'] },
      { op: 'ReduceSum', inputs: ['x', 'axes'], outputs: ['s'], attributes: { keepdims: 1 } },
      { op: 'Identity', inputs: ['ids'], outputs: ['ids_out'] },
    ],
  });
}

/** A fresh temporary store folder. */
export function tempStore(): string {
  return mkdtempSync(join(tmpdir(), 'massgate-store-'));
}

/**
 * A fresh store holding a copy of the default store's model `name` (`models/<name>`), with `batching`
 * merged into its config's batching section, and unchanged copies of the `companions` it calls (the
 * face-detector an emotion model finds faces with).
 */
export function storeWithShippedModel(
  name: string,
  batching: Record<string, unknown>,
  companions: readonly string[] = [],
): string {
  const store = tempStore();
  for (const model of [name, ...companions])
    cpSync(fileURLToPath(new URL(`../../models/${model}`, import.meta.url)), join(store, model), { recursive: true });
  const file = join(store, name, 'config.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...config, batching: { ...config.batching, ...batching } }));
  return store;
}

/** A fresh store holding copies of the default store's models `names` (an ensemble and its members, say). */
export function storeWithShippedModels(...names: string[]): string {
  const store = tempStore();
  for (const name of names)
    cpSync(fileURLToPath(new URL(`../../models/${name}`, import.meta.url)), join(store, name), { recursive: true });
  return store;
}

/** Writes `<store>/<name>/<version>/model.onnx` (and config.json when given). */
export function writeModel(store: string, name: string, version: number, onnx: Uint8Array, config?: unknown): void {
  mkdirSync(join(store, name, String(version)), { recursive: true });
  writeFileSync(join(store, name, String(version), 'model.onnx'), onnx);
  if (config !== undefined) writeFileSync(join(store, name, 'config.json'), JSON.stringify(config));
}

/**
 * A tiny 3-class classifier: probabilities = softmax(scale · x · P) for FP32 x [-1,3], where P is a
 * permutation matrix (`order` says which input column feeds each output).
 */
export function tinyClassifier(order: [number, number, number] = [0, 1, 2], scale = 1): Uint8Array {
  const p = new Float32Array(9);
  order.forEach((src, dst) => {
    p[src * 3 + dst] = scale;
  });
  return buildModel({
    inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3] }],
    outputs: [{ name: 'probabilities', type: 'float32', shape: ['batch', 3] }],
    initializers: [{ name: 'p', type: 'float32', dims: [3, 3], data: p }],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'p'], outputs: ['logits'] },
      { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: 1 } },
    ],
  });
}

/**
 * A slow 3-class classifier (the same answer as `tinyClassifier()`): the input goes through a stack of
 * wide dense layers whose result is multiplied by zero and added back, so only the time changes.
 */
export function slowClassifier(layers = 12, width = 2048): Uint8Array {
  let s = 3;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) / Math.sqrt(width);
  };
  const initializers = [
    { name: 'w_in', type: 'float32' as const, dims: [3, width], data: new Float32Array(3 * width).map(rand) },
    ...Array.from({ length: layers }, (_, i) => ({
      name: `w${i}`,
      type: 'float32' as const,
      dims: [width, width],
      data: new Float32Array(width * width).map(rand),
    })),
    { name: 'w_out', type: 'float32' as const, dims: [width, 3], data: new Float32Array(width * 3) },
  ];
  const nodes = [
    { op: 'MatMul', inputs: ['x', 'w_in'], outputs: ['h_in'] },
    ...Array.from({ length: layers }, (_, i) => ({
      op: 'MatMul',
      inputs: [i === 0 ? 'h_in' : `h${i - 1}`, `w${i}`],
      outputs: [`h${i}`],
    })),
    { op: 'MatMul', inputs: [`h${layers - 1}`, 'w_out'], outputs: ['zero'] },
    { op: 'Add', inputs: ['x', 'zero'], outputs: ['logits'] },
    { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: 1 } },
  ];
  return buildModel({
    inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3] }],
    outputs: [{ name: 'probabilities', type: 'float32', shape: ['batch', 3] }],
    initializers,
    nodes,
  });
}
