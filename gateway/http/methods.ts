import type { Env, Hono } from 'hono';
import { GatewayError } from '../../core/errors.ts';

/**
 * Answers 405 METHOD_NOT_ALLOWED, with an `Allow` header, to a known path asked with a method it does
 * not serve (GET on an infer route, DELETE on a model…); unknown paths stay 404. Call it after every
 * route is mounted: it reads them from `app.routes` and adds one catch-all per path behind them.
 *
 * @example
 * app.route('/', oipRoutes(deps));
 * allowKnownMethods(app);
 */
export function allowKnownMethods<E extends Env>(app: Hono<E>): void {
  const byPath = new Map<string, Set<string>>();
  for (const r of app.routes) {
    if (r.method === 'ALL') continue; // middleware
    const methods = byPath.get(r.path) ?? new Set<string>();
    methods.add(r.method.toUpperCase());
    if (r.method.toUpperCase() === 'GET') methods.add('HEAD');
    byPath.set(r.path, methods);
  }
  for (const [path, methods] of byPath) {
    const allow = [...methods].sort().join(', ');
    app.all(path, (c) => {
      c.header('Allow', allow);
      throw new GatewayError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${c.req.path} (allowed: ${allow})`);
    });
  }
}
