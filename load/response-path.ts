import { tensor } from '../core/tensor.ts';
import type { InferRequest } from '../gateway/oip/request.ts';
import { sideBySide } from './lib/side-by-side.ts';

/**
 * One-off: the v2 response path of two source trees side by side in one process (`BEFORE` = the old
 * tree's gateway/oip/response.ts), per output size, cache off (encode → render).
 */
const before = await import(process.env.BEFORE!);
const after = await import('../gateway/oip/response.ts');
const model = { name: 'm', version: 1 };
for (const [label, n, binary] of [
  ['16 floats, binary', 16, true],
  ['16 floats, JSON', 16, false],
  ['256 Ki floats (1 MiB), binary', 1 << 18, true],
  ['4 Mi floats (16 MiB), binary', 1 << 22, true],
] as const) {
  const t = tensor(
    'y',
    'FP32',
    [1, n],
    Float32Array.from({ length: n }, (_, i) => i / n),
  );
  const request: InferRequest = { parameters: { binary_data_output: binary }, inputs: {} };
  const oldPath = () =>
    before.renderInferResponse(
      model,
      'id',
      before.unpackOutputs(before.packOutputs(before.encodeOutputs(request, [t]))),
    );
  const newPath = () => after.renderInferResponse(model, 'id', after.encodeOutputs(request, [t]));
  const iterations = Math.max(5, Math.round(2e6 / n));
  const [o, a] = sideBySide([oldPath, newPath], iterations);
  console.log(`${label}: before ${o!.toFixed(1)} µs, after ${a!.toFixed(1)} µs, before/after ${(o! / a!).toFixed(2)}×`);
}
