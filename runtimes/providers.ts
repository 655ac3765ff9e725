import { GatewayError } from '../core/errors.ts';

/**
 * Tries `candidates` in order and returns the first that loads, after the model of onnxruntime's
 * backend-impl.ts: a failed candidate is noted and the next one tried; if all fail, one error
 * names every failure.
 *
 * @example
 * const { value, provider } = await firstThatLoads(['webgpu', 'cpu'], (p) => openSession(p));
 */
export async function firstThatLoads<T>(
  candidates: readonly string[],
  attempt: (candidate: string) => Promise<T>,
  onFallback?: (candidate: string, error: unknown) => void,
): Promise<{ value: T; provider: string }> {
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      return { value: await attempt(candidate), provider: candidate };
    } catch (e) {
      failures.push(`${candidate}: ${e instanceof Error ? e.message : String(e)}`);
      onFallback?.(candidate, e);
    }
  }
  throw new GatewayError('RUNTIME_UNAVAILABLE', `no execution provider could load the model (${failures.join('; ')})`);
}
