/** Writes store/image-stats/1/model.onnx: per-channel mean of FP32 [N,3,H,W] → [N,3]. Run with tsx. */
import { writeFileSync } from 'node:fs';
import { buildModel } from '../../runtimes/onnx/writer/build.ts';

writeFileSync(
  new URL('./store/image-stats/1/model.onnx', import.meta.url),
  buildModel({
    inputs: [{ name: 'pixels', type: 'float32', shape: ['batch', 3, 'h', 'w'] }],
    outputs: [{ name: 'mean', type: 'float32', shape: ['batch', 3] }],
    nodes: [{ op: 'ReduceMean', inputs: ['pixels'], outputs: ['mean'], attributes: { axes: [2, 3], keepdims: 0 } }],
  }),
);
