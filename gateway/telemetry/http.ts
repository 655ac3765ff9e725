import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type TextMapGetter } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { GatewayEnv } from '../http/body.ts';
import { activeTracer, errorCode } from './spans.ts';

/** Reads the W3C trace-context headers (`traceparent`, `tracestate`) of a request. */
const HEADERS: TextMapGetter<Context> = {
  get: (c, key) => c.req.header(key),
  keys: () => ['traceparent', 'tracestate'],
};

/**
 * The server span of every request Hono routes (health probes are answered before it, untraced), mounted first
 * when tracing is on. The span is the child of the request's W3C `traceparent` (and `tracestate`) when it sends
 * one. Its context (`trace.setSpan(parent, span)`) is kept on the Hono context (`c.get('trace')`, read with `traceOf`):
 * the route handlers pass it down explicitly (no context manager is registered), so every span below it joins the
 * trace, and the request's log lines carry its ids. Named
 * `<method> <route>` with the HTTP semantic-convention attributes (`http.request.method`, `url.path`, `http.route`,
 * `http.response.status_code`, `error.type`) and `massgate.cache.source` from the `massgate-cache` header; status
 * ERROR on a 5xx. The response carries a `traceresponse` header (`00-<trace id>-<span id>-<flags>`, W3C Trace Context
 * Level 2) naming it.
 *
 * @example
 * if (activeTracer()) app.use('*', traceRequests());
 */
export function traceRequests(): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const tracer = activeTracer();
    if (!tracer) return next();
    const parent = propagation.extract(ROOT_CONTEXT, c, HEADERS);
    const method = c.req.method;
    const span = tracer.startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': c.req.path } },
      parent,
    );
    const { traceId, spanId, traceFlags } = span.spanContext();
    c.header('traceresponse', `00-${traceId}-${spanId}-0${traceFlags & 1}`);
    c.set('trace', trace.setSpan(parent, span));
    if (!span.isRecording()) return next(); // not sampled: nothing to record on it
    try {
      await next();
    } finally {
      const route = routePath(c, -1);
      if (route && !route.endsWith('*')) {
        span.setAttribute('http.route', route);
        span.updateName(`${method} ${route}`);
      }
      const status = c.res.status;
      span.setAttribute('http.response.status_code', status);
      const source = c.res.headers.get('massgate-cache');
      if (source) span.setAttribute('massgate.cache.source', source);
      if (c.error || status >= 400) span.setAttribute('error.type', c.error ? errorCode(c.error) : String(status));
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: c.error ? errorCode(c.error) : '' });
      span.end();
    }
  };
}
