import { GatewayError } from '../../core/errors.ts';

/**
 * What the requests in flight on a worker get when its thread exits or crashes: 503 UNAVAILABLE with
 * Retry-After. The message names no cause (an uncaught error's text may hold paths); the host logs it.
 */
export class WorkerExitedError extends GatewayError {
  /** Exit code of the thread, or undefined when it died of an uncaught error. */
  readonly exitCode: number | undefined;

  constructor(detail: string, exitCode?: number, retryAfterS = 1) {
    super('UNAVAILABLE', `model worker exited (${detail})`, { retryAfterS });
    this.exitCode = exitCode;
  }
}
