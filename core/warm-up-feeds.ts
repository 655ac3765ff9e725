import { allocate, elementCount, tensor, type Tensor, type TensorInfo } from './tensor.ts';

/**
 * Feeds for a warm-up run built from a model's declared inputs: zeros (empty strings for BYTES) of
 * the declared shape, a dynamic first (batch) dimension as 1. Undefined when an input has another
 * dynamic dimension: a size cannot be guessed there (an image network fed 1×1 would fail for no fault
 * of its own), so such a model is not warmed.
 *
 * @example
 * warmUpFeeds([{ name: 'x', datatype: 'FP32', shape: [-1, 4] }]); // { x: { shape: [1, 4], data: Float32Array(4) } }
 */
export function warmUpFeeds(inputs: readonly TensorInfo[]): Record<string, Tensor> | undefined {
  if (inputs.length === 0) return undefined;
  const feeds: Record<string, Tensor> = {};
  for (const input of inputs) {
    if (input.shape.some((d, i) => d < 0 && i > 0)) return undefined;
    const shape = input.shape.map((d) => (d < 0 ? 1 : d));
    feeds[input.name] = tensor(input.name, input.datatype, shape, allocate(input.datatype, elementCount(shape)));
  }
  return feeds;
}
