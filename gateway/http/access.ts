import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { log, traceFields, type LogFields } from '../../core/log.ts';
import type { Metrics } from '../metrics/index.ts';
import type { GatewayEnv } from './body.ts';
import { REQUEST_ID_HEADER, requestInfo, type RequestInfo } from './request-id.ts';

/** The route label of a request no route matched (404, 405, refused while draining): one label, bounded. */
export const UNMATCHED = 'unmatched';

/** Probes and scrapes: their access lines are written at debug, whatever their status. */
const QUIET = new Set(['/v2/health/live', '/v2/health/ready', '/metrics']);

/** One answered request, as the metrics and the access log see it. */
export interface Answer {
  method: string;
  /** The route pattern (`/v2/models/:name/infer`), or UNMATCHED. */
  route: string;
  /** The path asked for, without the query. */
  path: string;
  status: number;
  /** From the request's arrival at the router (or the health fast path) to its response, in ms. */
  ms: number;
  info: RequestInfo;
  /** The request's Content-Length, when it stated one. */
  bytesIn?: number;
}

export interface AccessOptions {
  metrics?: Metrics;
  /** Write the access log line (ACCESS_LOG); the metrics are recorded either way. */
  log: boolean;
}

/**
 * Records answered requests: the HTTP histogram (`massgate_http_request_duration_seconds`) and one access
 * log line per request — at error for a 5xx, at info otherwise, at debug for health probes and `/metrics`.
 *
 * @example
 * const answered = accessRecorder({ metrics, log: config.accessLog });
 * answered({ method: 'GET', route: '/v2/health/live', path: '/v2/health/live', status: 200, ms: 0.1, info });
 */
export function accessRecorder(o: AccessOptions): (a: Answer) => void {
  return (a) => {
    o.metrics?.http(a.method, a.route, a.status, a.ms / 1000);
    if (!o.log) return;
    const level = QUIET.has(a.route) ? 'debug' : a.status >= 500 ? 'error' : 'info';
    if (!log.enabled(level)) return;
    const fields: LogFields = {
      ...traceFields(a.info.trace),
      request_id: a.info.id,
      method: a.method,
      route: a.route,
      path: a.path,
      status: a.status,
      duration_ms: Math.round(a.ms * 100) / 100,
    };
    if (a.info.model !== undefined) {
      fields.model = a.info.model;
      fields.version = a.info.version;
    }
    if (a.info.code !== undefined) fields.code = a.info.code;
    if (a.bytesIn !== undefined) fields.bytes_in = a.bytesIn;
    log[level]('request', fields);
  };
}

/** The pattern of the route that serves a request (its last matched handler: middleware is left out). */
function routeOf(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) if (routes[i]!.method !== 'ALL') return routes[i]!.path;
  return UNMATCHED;
}

/**
 * The gateway's first middleware: gives each request its id (gateway/http/request-id.ts), answered in
 * `x-request-id` on every response, errors included; once answered, hands it to `answered`.
 */
export function access(answered: (a: Answer) => void): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const t0 = performance.now();
    const info = requestInfo(c.req.header(REQUEST_ID_HEADER));
    const trace = c.get('trace'); // tracing on: set by the server span's middleware, mounted before this one
    if (trace !== undefined) info.trace = trace;
    c.set('request', info);
    c.header(REQUEST_ID_HEADER, info.id);
    await next();
    const length = c.req.header('content-length');
    answered({
      method: c.req.method,
      route: routeOf(c),
      path: c.req.path,
      status: c.res.status,
      ms: performance.now() - t0,
      info,
      ...(length !== undefined && /^\d+$/.test(length) ? { bytesIn: Number(length) } : {}),
    });
  };
}
