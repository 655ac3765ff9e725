import type { Context, Env, Hono, NotFoundHandler } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import { errorBody } from './status.ts';
import { infoOf } from './request-id.ts';
import { GatewayError } from '../../core/errors.ts';

/** Every path pattern of `app` → the methods it serves ('GET' implies 'HEAD'). Middleware is left out. */
function allowedByPath(app: Hono<Env>): TrieRouter<string> {
  const byPath = new Map<string, Set<string>>();
  for (const r of app.routes) {
    const method = r.method.toUpperCase();
    if (method === 'ALL') continue;
    const methods = byPath.get(r.path) ?? new Set<string>();
    methods.add(method);
    if (method === 'GET') methods.add('HEAD');
    byPath.set(r.path, methods);
  }
  const router = new TrieRouter<string>();
  for (const [path, methods] of byPath) router.add('ALL', path, [...methods].sort().join(', '));
  return router;
}

/**
 * The app's not-found handler: a known path asked with a method it does not serve (GET on an infer
 * route, DELETE on a model…) answers 405 METHOD_NOT_ALLOWED with an `Allow` header; an unknown path
 * answers 404. It runs only when no route matched, so it costs nothing on served requests, and it reads
 * the routes on its first call: routes mounted in any order are covered.
 *
 * @example app.notFound(notFoundOr405(app));
 */
export function notFoundOr405<E extends Env>(app: Hono<E>): NotFoundHandler<E> {
  let router: TrieRouter<string> | undefined;
  return (c) => {
    router ??= allowedByPath(app as unknown as Hono<Env>);
    const [matches] = router.match('ALL', c.req.path) as [[string, unknown][]];
    const allow = [...new Set(matches.flatMap(([a]) => a.split(', ')))].sort().join(', ');
    const info = infoOf(c);
    if (!allow) {
      if (info !== undefined) info.code = 'NOT_FOUND';
      return c.json({ error: `no route for ${c.req.method} ${c.req.path}`, code: 'NOT_FOUND' }, 404);
    }
    return methodNotAllowed(c, allow);
  };
}

/**
 * The 405 METHOD_NOT_ALLOWED answer for a request whose path is served with other methods: `Allow` lists them, and
 * the code goes to the request's access log line. For a route that serves several paths under one pattern, some of
 * which take other methods (`GET /v1/models/m:predict`).
 *
 * @example if (spec.includes(':')) return methodNotAllowed(c, 'POST');
 */
export function methodNotAllowed(c: Context, allow: string): Response {
  const { status, body } = errorBody(
    new GatewayError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${c.req.path} (allowed: ${allow})`),
  );
  const info = infoOf(c);
  if (info !== undefined) info.code = body.code;
  return c.json(body, status, { Allow: allow });
}
