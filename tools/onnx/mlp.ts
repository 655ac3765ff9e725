import { buildModel, type InitializerSpec, type NodeSpec } from '../../runtimes/onnx/writer/build.ts';

export interface MlpOptions {
  inputs?: number;
  hidden?: number;
  layers?: number;
  classes?: number;
  /**
   * Rows per item: with `tokens` set, `features` is [N,tokens,inputs] and each token is classified (a token classifier
   * over a fixed window).
   */
  tokens?: number | undefined;
  /**
   * Adds an `echo` output (the input row, unchanged) so that load tests can check that every answer is the caller's
   * own.
   */
  echo?: boolean;
}

/**
 * A dense classifier with fixed pseudo-random weights: `features` FP32 [N,inputs] → hidden ReLU layers
 * → `probabilities` FP32 [N,classes]. Wide layers make batch 1 a memory-bound matrix-vector product, so
 * batching gains a lot on a CPU, as recommendation and embedding models do. Not a trained model.
 *
 * @example writeFileSync('mlp.onnx', mlp({ hidden: 4096, layers: 4 }));
 */
export function mlp({
  inputs = 1024,
  hidden = 4096,
  layers = 4,
  classes = 16,
  tokens,
  echo = false,
}: MlpOptions = {}): Uint8Array {
  let s = 12345;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2;
  };
  const nodes: NodeSpec[] = [];
  const initializers: InitializerSpec[] = [];
  let prev = 'features';
  let width = inputs;
  for (let i = 0; i <= layers; i++) {
    const out = i === layers ? classes : hidden;
    const scale = Math.sqrt(2 / width);
    initializers.push({
      name: `w${i}`,
      type: 'float32',
      dims: [width, out],
      data: new Float32Array(width * out).map(() => rand() * scale),
    });
    nodes.push({ op: 'MatMul', inputs: [prev, `w${i}`], outputs: [`m${i}`] });
    if (i < layers) nodes.push({ op: 'Relu', inputs: [`m${i}`], outputs: [`h${i}`] });
    prev = i < layers ? `h${i}` : `m${i}`;
    width = out;
  }
  const lead = tokens ? ['batch', tokens] : ['batch'];
  nodes.push({ op: 'Softmax', inputs: [prev], outputs: ['probabilities'], attributes: { axis: lead.length } });
  if (echo) nodes.push({ op: 'Identity', inputs: ['features'], outputs: ['echo'] });
  return buildModel({
    inputs: [{ name: 'features', type: 'float32', shape: [...lead, inputs] }],
    outputs: [
      { name: 'probabilities', type: 'float32', shape: [...lead, classes] },
      ...(echo ? [{ name: 'echo', type: 'float32' as const, shape: [...lead, inputs] }] : []),
    ],
    nodes,
    initializers,
  });
}
