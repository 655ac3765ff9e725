import type { MiddlewareHandler } from 'hono';
import { GatewayError } from '../../core/errors.ts';

/** Input limits enforced at the HTTP edge (from GatewayConfig.limits). */
export interface EdgeLimits {
  /** Deepest nesting of arrays and objects in a JSON body. */
  maxJsonDepth: number;
  /** Most elements one request tensor may declare (shape product, zero dimensions counted as 1). */
  maxTensorElements: number;
  /** Most instances per request: v1 `instances`, v2 rows of a batch (dynamic first) dimension. */
  maxInstances: number;
}

/** The defaults of gateway/config.ts, for apps built without the config (unit tests). */
export const DEFAULT_LIMITS: Readonly<EdgeLimits> = Object.freeze({
  maxJsonDepth: 64,
  maxTensorElements: 67_108_864,
  maxInstances: 256,
});

/** Hands the edge limits to every handler of the request (`c.get('limits')`). */
export function useLimits(limits: EdgeLimits): MiddlewareHandler<{ Variables: { limits: EdgeLimits } }> {
  return async (c, next) => {
    c.set('limits', limits);
    await next();
  };
}

/** 413 when a request carries more instances than `max` (MAX_INSTANCES). */
export function checkInstances(count: number, max: number): void {
  if (count > max) {
    throw new GatewayError(
      'PAYLOAD_TOO_LARGE',
      `the request carries ${count} instances; the limit is ${max} per request (MAX_INSTANCES): split it into several requests`,
    );
  }
}
