import type { Context, MiddlewareHandler } from 'hono';
import { GatewayError } from '../../core/errors.ts';
import { onError } from '../http/status.ts';
import type { GatewayEnv } from '../http/body.ts';
import { RateLimiter } from '../limits/token-bucket.ts';
import { KeyRing, type ApiKey } from './keys.ts';
import { allows, requiredAccess } from './roles.ts';

interface GuardOptions {
  keys: readonly ApiKey[];
  /** /metrics needs an `infer` key (true) or none (false). */
  metricsAuth: boolean;
  rateLimit: { rps: number; burst: number };
}

/** The key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
function presentedKey(c: Context): string | undefined {
  const auth = c.req.header('authorization');
  if (auth !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    return m ? m[1] : '';
  }
  return c.req.header('x-api-key');
}

function clientIp(c: Context<GatewayEnv>): string {
  return c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/**
 * Authentication, authorisation and rate limiting, before any route reads a body. With keys
 * configured, every route but the public ones (health; /metrics when `metricsAuth` is false) needs a
 * key whose role the route table (`roles.ts`) allows: 401 with `WWW-Authenticate: Bearer` when the key
 * is missing or unknown, 403 when its role is too low. With no keys, nothing is checked (the gateway
 * then listens on loopback only, see config). Rate limits count per key, or per client IP without one:
 * 429 RATE_LIMITED with `Retry-After`. Keys are never logged or echoed.
 */
export function guard(o: GuardOptions): MiddlewareHandler<GatewayEnv> {
  const ring = new KeyRing(o.keys);
  const limiter = o.rateLimit.rps > 0 ? new RateLimiter(o.rateLimit) : undefined;
  // No keys and no rate limit: nothing to check, so no route lookup per request either.
  if (ring.size === 0 && !limiter) return (_c, next) => next();
  return async (c, next) => {
    const need = requiredAccess(c.req.method, c.req.path, o.metricsAuth);
    if (need === 'public') return next();
    let bucket: string | undefined;
    if (ring.size > 0) {
      const presented = presentedKey(c);
      const key = presented ? ring.find(presented) : undefined;
      if (!key) {
        c.header(
          'WWW-Authenticate',
          presented ? 'Bearer realm="massgate", error="invalid_token"' : 'Bearer realm="massgate"',
        );
        return onError(
          new GatewayError(
            'UNAUTHORIZED',
            presented ? 'the API key is not valid' : 'an API key is required: Authorization: Bearer <key>',
          ),
          c,
        );
      }
      if (!allows(key.role, need))
        return onError(
          new GatewayError('FORBIDDEN', `this route needs an ${need} key; the key presented has role ${key.role}`),
          c,
        );
      bucket = `key:${key.id}`;
    }
    if (limiter) {
      const t = limiter.take(bucket ?? `ip:${clientIp(c)}`);
      if (!t.ok)
        return onError(
          new GatewayError('RATE_LIMITED', 'rate limit exceeded; retry later', { retryAfterS: t.retryAfterS }),
          c,
        );
    }
    return next();
  };
}
