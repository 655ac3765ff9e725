import * as tf from '../tfjs/tf.ts';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LoadSpec, Runtime, RuntimeSession } from '../runtime.ts';
import { GatewayError } from '../../core/errors.ts';
import { buildModel, type InitializerSpec, type NodeSpec } from '../onnx/writer/build.ts';
import { loadOnnx } from '../onnx/index.ts';

type Weights = Record<string, { shape: number[]; data: Float32Array }>;

/** face-api's weights: a manifest (`*-weights_manifest.json`) and its binary shards, decoded with tfjs. */
function readWeights(manifestPath: string): Weights {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as tf.io.WeightsManifestConfig;
  const out: Weights = {};
  for (const group of manifest) {
    const buffers = group.paths.map((p) => readFileSync(join(dirname(manifestPath), p)));
    const all = Buffer.concat(buffers);
    const tensors = tf.io.decodeWeights(
      all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      group.weights,
    );
    for (const [name, t] of Object.entries(tensors)) {
      out[name] = { shape: t.shape, data: t.dataSync() as Float32Array };
      t.dispose();
    }
  }
  return out;
}

/** TF's HWIO filter [h, w, in, out] as ONNX's OIHW [out, in, h, w]. */
function oihw(w: { shape: number[]; data: Float32Array }): { dims: number[]; data: Float32Array } {
  const [h, wd, cin, cout] = w.shape as [number, number, number, number];
  const data = new Float32Array(w.data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < wd; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) {
          data[((o * cin + i) * h + y) * wd + x] = w.data[((y * wd + x) * cin + i) * cout + o]!;
        }
  return { dims: [cout, cin, h, wd], data };
}

/**
 * face-api's FaceExpressionNet as an ONNX graph: four dense blocks of (depthwise-separable) 3×3
 * convolutions with TF's 'same' padding, a 7×7 average pool, a 256→7 dense layer and softmax.
 * Input FP32 [N, 3, 112, 112] (RGB/255 minus face-api's mean), output `probabilities` [N, 7].
 */
export function expressionNetOnnx(w: Weights): Uint8Array {
  const nodes: NodeSpec[] = [];
  const inits: InitializerSpec[] = [];
  const init = (name: string, dims: number[], data: Float32Array) => inits.push({ name, type: 'float32', dims, data });
  const need = (k: string) => {
    const v = w[k];
    if (!v) throw new GatewayError('MODEL_LOAD_FAILED', `face-api weights lack '${k}'`);
    return v;
  };
  const conv = (x: string, prefix: string, stride: number, out: string): string => {
    const f = need(`${prefix}/filters`);
    const t = oihw(f);
    init(`${prefix}/W`, t.dims, t.data);
    init(`${prefix}/B`, [t.dims[0]!], need(`${prefix}/bias`).data);
    nodes.push({
      op: 'Conv',
      inputs: [x, `${prefix}/W`, `${prefix}/B`],
      outputs: [out],
      attributes: { strides: [stride, stride], auto_pad: 'SAME_UPPER' },
    });
    return out;
  };
  const separable = (x: string, prefix: string, stride: number, out: string): string => {
    const dw = need(`${prefix}/depthwise_filter`);
    const channels = dw.shape[2]!;
    init(`${prefix}/DW`, [channels, 1, 3, 3], oihw({ shape: [3, 3, 1, channels], data: dw.data }).data);
    nodes.push({
      op: 'Conv',
      inputs: [x, `${prefix}/DW`],
      outputs: [`${prefix}/dw`],
      attributes: { group: channels, strides: [stride, stride], auto_pad: 'SAME_UPPER' },
    });
    const pw = oihw(need(`${prefix}/pointwise_filter`));
    init(`${prefix}/PW`, pw.dims, pw.data);
    init(`${prefix}/B`, [pw.dims[0]!], need(`${prefix}/bias`).data);
    nodes.push({ op: 'Conv', inputs: [`${prefix}/dw`, `${prefix}/PW`, `${prefix}/B`], outputs: [out] });
    return out;
  };
  const add = (a: string, b: string, out: string) => {
    nodes.push({ op: 'Add', inputs: [a, b], outputs: [out] });
    return out;
  };
  const relu = (a: string, out: string) => {
    nodes.push({ op: 'Relu', inputs: [a], outputs: [out] });
    return out;
  };

  let x = 'image';
  for (const [i, first] of [
    [0, true],
    [1, false],
    [2, false],
    [3, false],
  ] as const) {
    const p = `dense${i}`;
    const out1 = relu(
      first ? conv(x, `${p}/conv0`, 2, `${p}/c0`) : separable(x, `${p}/conv0`, 2, `${p}/c0`),
      `${p}/o1`,
    );
    const out2 = separable(out1, `${p}/conv1`, 1, `${p}/o2`);
    const in3 = relu(add(out1, out2, `${p}/s12`), `${p}/i3`);
    const out3 = separable(in3, `${p}/conv2`, 1, `${p}/o3`);
    const s123 = add(`${p}/s12`, out3, `${p}/s123`);
    const in4 = relu(s123, `${p}/i4`);
    const out4 = separable(in4, `${p}/conv3`, 1, `${p}/o4`);
    x = relu(add(s123, out4, `${p}/s1234`), `${p}/out`);
  }
  nodes.push({
    op: 'AveragePool',
    inputs: [x],
    outputs: ['pooled'],
    attributes: { kernel_shape: [7, 7], strides: [2, 2] },
  });
  nodes.push({ op: 'Flatten', inputs: ['pooled'], outputs: ['features'] });
  init('fc/W', need('fc/weights').shape, need('fc/weights').data);
  init('fc/B', [7], need('fc/bias').data);
  nodes.push({ op: 'MatMul', inputs: ['features', 'fc/W'], outputs: ['fc/m'] });
  nodes.push({ op: 'Add', inputs: ['fc/m', 'fc/B'], outputs: ['logits'] });
  nodes.push({ op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: 1 } });
  return buildModel({
    inputs: [{ name: 'image', type: 'float32', shape: ['batch', 3, 112, 112] }],
    outputs: [{ name: 'probabilities', type: 'float32', shape: ['batch', 7] }],
    nodes,
    initializers: inits,
  });
}

/**
 * face-api's face expression model (`@vladmandic/face-api` model/face_expression_model-weights_manifest.json):
 * its weights ship without a graph (the network is defined in face-api's code), so this adapter rebuilds
 * the network as ONNX from the weights at load time and hands the bytes to onnxruntime (no file is written).
 */
export const faceapiRuntime: Runtime = {
  name: 'faceapi',
  async load(spec: LoadSpec): Promise<RuntimeSession> {
    let onnx: Uint8Array;
    try {
      onnx = expressionNetOnnx(readWeights(spec.path));
    } catch (e) {
      if (e instanceof GatewayError) throw e;
      throw new GatewayError('MODEL_LOAD_FAILED', `face-api weights ${spec.path}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return loadOnnx(onnx, spec);
  },
};
