import { DEFAULT_LIMITS } from '../gateway/http/limits.ts';
import { sideBySide } from './lib/side-by-side.ts';

/**
 * One-off: the v2 JSON request path (body bytes → validated tensors: depth check, parse, schema, data) of two
 * source trees side by side in one process (`BEFORE` = the old tree's gateway/oip/envelope.ts), per input size,
 * best of three alternating rounds.
 *
 * @example BEFORE=/tmp/before/gateway/oip/envelope.ts node --import tsx load/request-path.ts
 */
const before = await import(process.env.BEFORE!);
const after = await import('../gateway/oip/envelope.ts');
/** Float32 values as a client holding float32 data sends them (their shortest double form: 16–17 digits). */
const floats = (n: number) => Array.from(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5));
for (const [label, n, values] of [
  ['16 FP32', 16, floats(16)],
  ['1,024 FP32', 1024, floats(1024)],
  ['1,024 FP32, 3 decimals', 1024, floats(1024).map((v) => Math.round(v * 1000) / 1000)],
  ['150,528 FP32 (a 224×224×3 image)', 150_528, floats(150_528)],
] as const) {
  const body = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, n], data: values }] }));
  const inputs = [{ name: 'x', datatype: 'FP32' as const, shape: [-1, n] }];
  const outputs = [{ name: 'y', datatype: 'FP32' as const, shape: [-1, 16] }];
  const path = (tree: typeof after) => () =>
    tree.requestOf(tree.parseBody(body, undefined, 64), inputs, outputs, { ...DEFAULT_LIMITS, maxTensorElements: 1e7 });
  const [oldPath, newPath] = [path(before), path(after)];
  const [oldData, newData] = [oldPath(), newPath()].map((r) => r.inputs.x!.data as Float32Array);
  const same = oldData!.every((v, i) => Object.is(v, newData![i]));
  const iterations = Math.max(5, Math.round(2e6 / n));
  const [o, a] = sideBySide([oldPath, newPath], iterations, 9);
  console.log(
    `${label} (${(body.length / 1024).toFixed(0)} KiB): before ${o!.toFixed(1)} µs, after ${a!.toFixed(1)} µs, ` +
      `before/after ${(o! / a!).toFixed(2)}×, same tensor: ${same}`,
  );
}
