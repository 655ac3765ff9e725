import {
  SpanStatusCode,
  TraceFlags,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { isGatewayError } from '../../core/errors.ts';

/**
 * The gateway's spans, through `@opentelemetry/api` only (the SDK is loaded by tracing.ts, and only when tracing is
 * on). No context manager is registered: a span's parent is always passed explicitly (a `Context` carried in the
 * request's option objects, from the request's server span down), never read from `context.active()`. While tracing is
 * off no tracer is bound and every helper here returns at once: no span, no context, no attribute object is made; a
 * parent whose span is not sampled costs one look-up per step.
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

/**
 * Whether spans are made under `parent`: tracing is on, a parent is given, and its span (if it holds one) is sampled
 * (the flag, not `isRecording()`: a shadow copy runs after its request's span has ended). False for a request whose
 * trace is not sampled: its steps then make no span and build no context.
 */
export function traced(parent: Context | undefined): parent is Context {
  if (tracer === undefined || parent === undefined) return false;
  const flags = trace.getSpanContext(parent)?.traceFlags;
  return flags === undefined || (flags & TraceFlags.SAMPLED) !== 0;
}

/** The request's trace context (its server span's) as the HTTP layer keeps it; `undefined` with tracing off. */
export function traceOf(c: { get(key: 'trace'): unknown }): Context | undefined {
  return c.get('trace') as Context | undefined;
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
 * Runs `work` in a span named `name`, a child of `parent` (a root span for ROOT_CONTEXT), and passes it the span's
 * context (the parent of whatever it traces) and the span. Not traced (tracing off, no parent, a parent not
 * sampled): just `work`, given `parent` as it is and no span. The span ends when the work settles, failed with the
 * error's code when it throws.
 *
 * @example
 * const attributes = { 'massgate.model.name': 'lang-cld3' };
 * const scores = await inSpan('massgate.ensemble.member', attributes, options.trace, (trace) =>
 *   member.scoreInstances(items, { ...options, trace }),
 * );
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  parent: Context | undefined,
  work: (child: Context | undefined, span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!traced(parent)) return work(parent, undefined);
  const span = tracer!.startSpan(name, { attributes }, parent);
  try {
    return await work(trace.setSpan(parent, span), span);
  } catch (e) {
    failSpan(span, e);
    throw e;
  } finally {
    span.end();
  }
}

/** `inSpan` for synchronous work (an encoding, a decode) that traces nothing below it. */
export function inSpanSync<T>(name: string, attributes: Attributes, parent: Context | undefined, work: () => T): T {
  if (!traced(parent)) return work();
  const span = tracer!.startSpan(name, { attributes }, parent);
  try {
    return work();
  } catch (e) {
    failSpan(span, e);
    throw e;
  } finally {
    span.end();
  }
}

/** Sets attributes on the request's server span (from its Hono context `c`); nothing when tracing is off. */
export function annotate(c: { get(key: 'trace'): unknown }, attributes: Attributes): void {
  const parent = traceOf(c);
  if (parent !== undefined) trace.getSpan(parent)?.setAttributes(attributes);
}
