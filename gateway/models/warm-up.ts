import { allocate, elementCount, type Tensor, type TensorInfo } from '../../core/tensor.ts';
import { GatewayError } from '../../core/errors.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';

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

export interface WarmUpOptions {
  model: string;
  version: number;
  /** A warm-up that has not answered within this fails the load. */
  timeoutMs: number;
}

/**
 * Runs one inference on each freshly started instance before the version takes traffic, so that no
 * client pays for lazy initialisation, and a model that loads but cannot run is refused: throws
 * MODEL_LOAD_FAILED (the caller frees the instances; the versions serving before stay). It runs on the
 * sessions directly (not through the scheduler: no metrics, no queue) with the model's own inputs (a
 * plugin's preprocessing is not involved). Resolves false when the inputs leave no warm-up to build
 * (see `warmUpFeeds`).
 */
export async function warmUp(sessions: readonly RuntimeSession[], options: WarmUpOptions): Promise<boolean> {
  const feeds = warmUpFeeds(sessions[0]?.inputs ?? []);
  if (!feeds) return false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
  });
  try {
    await Promise.race([Promise.all(sessions.map((s) => s.run(feeds))), deadline]);
  } catch (e) {
    throw new GatewayError('MODEL_LOAD_FAILED', `model '${options.model}' version ${options.version} failed its warm-up inference: ${(e as Error).message}`, { cause: e });
  } finally {
    clearTimeout(timer);
  }
  return true;
}
