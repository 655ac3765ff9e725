import { allocate, elementCount, type Tensor, type TensorInfo } from '../../core/tensor.ts';
import { GatewayError } from '../../core/errors.ts';
import type { ServedModel } from './served-model.ts';

/**
 * Feeds for a warm-up run built from the model's declared inputs: zeros (empty strings for BYTES) of
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
    feeds[input.name] = { name: input.name, datatype: input.datatype, shape, data: allocate(input.datatype, elementCount(shape)) };
  }
  return feeds;
}

/**
 * Runs one inference through a freshly loaded version before it takes traffic, so that the first
 * client does not pay for lazy initialisation, and a model that loads but cannot run is refused
 * (MODEL_LOAD_FAILED: the load fails and the versions serving before stay). The run goes through the
 * model's own inputs (a plugin's preprocessing is not involved). Returns false when the model's inputs
 * leave no warm-up to build (see `warmUpFeeds`).
 */
export async function warmUp(model: ServedModel, timeoutMs: number): Promise<boolean> {
  const feeds = warmUpFeeds(model.modelInputs);
  if (!feeds) return false;
  try {
    await model.run(feeds, { timeoutMs });
  } catch (e) {
    throw new GatewayError('MODEL_LOAD_FAILED', `model '${model.name}' version ${model.version} failed its warm-up inference: ${(e as Error).message}`, { cause: e });
  }
  return true;
}
