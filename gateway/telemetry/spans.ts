import { context, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { isGatewayError } from '../../core/errors.ts';

/**
 * The gateway's spans, through `@opentelemetry/api` only (the SDK is loaded by tracing.ts, and only when tracing is
 * on). While tracing is off no tracer is bound and every helper here returns at once: no span, no context, no
 * attribute object is made.
 */
let tracer: Tracer | undefined;

/** The gateway's tracer while tracing is on; `undefined` when it is off (callers then skip all span work). */
export function activeTracer(): Tracer | undefined {
  return tracer;
}

/** Binds (or, with `undefined`, unbinds) the gateway's tracer: called by tracing.ts only. */
export function bindTracer(t: Tracer | undefined): void {
  tracer = t;
}

/** The stable code of a thrown value: its GatewayError code, else INTERNAL. */
export function errorCode(e: unknown): string {
  return isGatewayError(e) ? e.code : 'INTERNAL';
}

/** Marks a span failed: status ERROR with the error code as its message, and `error.type` set to that code. */
export function failSpan(span: Span, e: unknown): void {
  const code = errorCode(e);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  span.setAttribute('error.type', code);
}

/**
 * Runs `work` in a span named `name`, a child of the active context, and passes it the span (with tracing off: just
 * `work`, given `undefined`). The span ends when the work settles, failed with the error's code when it throws.
 *
 * @example
 * const scores = await inSpan('massgate.ensemble.member', { 'massgate.model': 'lang-cld3' }, () => member.scoreInstances(items));
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  const t = tracer;
  if (!t) return work(undefined);
  const span = t.startSpan(name, { attributes });
  try {
    return await context.with(trace.setSpan(context.active(), span), work, undefined, span);
  } catch (e) {
    failSpan(span, e);
    throw e;
  } finally {
    span.end();
  }
}

/** `inSpan` for synchronous work (an encoding, a decode). */
export function inSpanSync<T>(name: string, attributes: Attributes, work: () => T): T {
  const t = tracer;
  if (!t) return work();
  const span = t.startSpan(name, { attributes });
  try {
    return context.with(trace.setSpan(context.active(), span), work);
  } catch (e) {
    failSpan(span, e);
    throw e;
  } finally {
    span.end();
  }
}

/** Sets attributes on the active span (the request's server span in a route handler); nothing when tracing is off. */
export function annotate(attributes: Attributes): void {
  if (tracer) trace.getActiveSpan()?.setAttributes(attributes);
}
