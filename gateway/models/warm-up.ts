import { warmUpFeeds } from '../../core/warm-up-feeds.ts';
import { GatewayError } from '../../core/errors.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';

/** Re-exported: warm-up feeds are built below the gateway (the head wrapper uses them too). */
export { warmUpFeeds };

interface WarmUpOptions {
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
    throw new GatewayError(
      'MODEL_LOAD_FAILED',
      `model '${options.model}' version ${options.version} failed its warm-up inference: ${(e as Error).message}`,
      { cause: e },
    );
  } finally {
    clearTimeout(timer);
  }
  return true;
}
