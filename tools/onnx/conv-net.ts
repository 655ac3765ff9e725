import { buildModel, type InitializerSpec, type NodeSpec } from '../../runtimes/onnx/writer/build.ts';

/** A deterministic pseudo-random generator so that generated weights are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

export interface ConvNetOptions {
  /** Conv+ReLU layers (3×3, stride 1, same padding). */
  layers?: number;
  channels?: number;
  /** Input height and width. */
  size?: number;
  classes?: number;
}

/**
 * A small convolutional classifier with fixed pseudo-random weights: `input` FP32 [N,3,size,size] →
 * `probabilities` FP32 [N,classes] (softmax). Heavy enough to load the CPU for load tests and the
 * event-loop test; not a trained model.
 *
 * @example writeFileSync('conv.onnx', convNet({ layers: 6, channels: 32, size: 64 }));
 */
export function convNet({ layers = 6, channels = 32, size = 64, classes = 10 }: ConvNetOptions = {}): Uint8Array {
  const rand = lcg(42);
  const nodes: NodeSpec[] = [];
  const initializers: InitializerSpec[] = [];
  let prev = 'input';
  let inC = 3;
  for (let i = 0; i < layers; i++) {
    const w = new Float32Array(channels * inC * 9).map(() => rand() * Math.sqrt(2 / (inC * 9)));
    initializers.push({ name: `w${i}`, type: 'float32', dims: [channels, inC, 3, 3], data: w });
    initializers.push({ name: `b${i}`, type: 'float32', dims: [channels], data: new Float32Array(channels) });
    nodes.push({
      op: 'Conv',
      inputs: [prev, `w${i}`, `b${i}`],
      outputs: [`c${i}`],
      attributes: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] },
    });
    nodes.push({ op: 'Relu', inputs: [`c${i}`], outputs: [`r${i}`] });
    prev = `r${i}`;
    inC = channels;
  }
  initializers.push({
    name: 'fc',
    type: 'float32',
    dims: [channels, classes],
    data: new Float32Array(channels * classes).map(() => rand()),
  });
  initializers.push({ name: 'flat', type: 'int64', dims: [2], data: new BigInt64Array([0n, BigInt(channels)]) });
  nodes.push({ op: 'GlobalAveragePool', inputs: [prev], outputs: ['gap'] });
  nodes.push({ op: 'Reshape', inputs: ['gap', 'flat'], outputs: ['feat'] });
  nodes.push({ op: 'MatMul', inputs: ['feat', 'fc'], outputs: ['logits'] });
  nodes.push({ op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: 1 } });
  return buildModel({
    inputs: [{ name: 'input', type: 'float32', shape: ['batch', 3, size, size] }],
    outputs: [{ name: 'probabilities', type: 'float32', shape: ['batch', classes] }],
    nodes,
    initializers,
  });
}
