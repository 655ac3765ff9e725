import type { Context as TraceContext } from '@opentelemetry/api';
import type { Context } from 'hono';
import { isGatewayError } from '../../core/errors.ts';
import type { EdgeLimits } from '../http/limits.ts';
import { requestId } from '../http/request-id.ts';
import type { Metrics } from '../metrics/index.ts';
import { toJson } from '../oip/json-data.ts';
import { requestOf, type Envelope } from '../oip/envelope.ts';
import { selectOutputs, type Rendered } from '../oip/response.ts';
import { compareOutputs, comparePredictions, predictionLabel, topLabelsOf, type JsonOutput } from './agreement.ts';
import type { ShadowOutcome } from './figures.ts';
import type { ExperimentRegistry, Route } from './registry.ts';
import type { Experiment } from './experiment.ts';
import { annotate, inSpan, traced, traceOf } from '../telemetry/spans.ts';

/** Longest sticky key used (longer keys are cut: they only feed a hash). */
const MAX_KEY = 256;
const BYTES_DATATYPE = '"datatype":"BYTES"';

/** Answers larger than this are not parsed for the top-label figures. */
const MAX_FIGURE_BODY = 256 * 1024;

/** The sticky key of a request: the experiment's key header, else the `ab_key` query parameter. */
export function stickyKey(c: Context, exp: Experiment, defaultHeader: string): string | undefined {
  const k = c.req.header(exp.definition.keyHeader ?? defaultHeader) ?? c.req.query('ab_key');
  return k === undefined || k === '' ? undefined : k.slice(0, MAX_KEY);
}

/**
 * The sticky key a request's own `parameters` carry (`ab_key`, a string or a number), when no header or query gave one.
 */
export function parameterKey(parameters: unknown): string | undefined {
  if (!parameters || typeof parameters !== 'object') return undefined;
  const k = (parameters as Record<string, unknown>).ab_key;
  if (typeof k === 'number' && Number.isFinite(k)) return String(k);
  return typeof k === 'string' && k !== '' ? k.slice(0, MAX_KEY) : undefined;
}

/**
 * Says who served (headers `massgate-experiment`, `massgate-variant`, `massgate-request-id`) and
 * remembers the request id for feedback. Returns the id: the request's own (`x-request-id`, else the v2
 * body's `id`, else generated: gateway/http/request-id.ts), the one in its `x-request-id` answer.
 */
export function attribute(c: Context, registry: ExperimentRegistry, route: Route): string {
  const id = requestId(c);
  c.header('massgate-experiment', route.experiment.name);
  c.header('massgate-variant', route.variant.name);
  c.header('massgate-request-id', id);
  registry.assignments.record(id, route.experiment.name, route.variant.name);
  return id;
}

/**
 * Runs a routed request's work, recording its outcome and duration per variant (figures and metrics), as `observed`
 * does per model, and (tracing on) the experiment and variant on the request's span.
 */
export async function servedBy<T>(
  c: Context,
  metrics: Metrics | undefined,
  route: Route,
  work: () => Promise<T>,
): Promise<T> {
  if (traced(traceOf(c)))
    annotate(c, { 'massgate.experiment': route.experiment.name, 'massgate.variant': route.variant.name });
  const t0 = performance.now();
  const record = (error?: unknown) => {
    const ms = performance.now() - t0;
    const code = error === undefined ? undefined : isGatewayError(error) ? error.code : 'INTERNAL';
    route.experiment.figures.get(route.variant.name)?.served(ms, code);
    metrics?.experiment.served(route.experiment.name, route.variant.name, ms / 1000, code ?? 'success');
  };
  try {
    const result = await work();
    record();
    return result;
  } catch (e) {
    record(e);
    throw e;
  }
}

/** Inserts `"parameters": {...}` at the front of a rendered v2 response (the binary header length follows). */
export function withParameters(r: Rendered, parameters: Record<string, string>): Rendered {
  const head = Buffer.from(`{"parameters":${JSON.stringify(parameters)},`);
  const body = Buffer.concat([head, r.body.subarray(1)]);
  return { body, ...(r.headerLength !== undefined ? { headerLength: r.headerLength + head.length - 1 } : {}) };
}

function shadowDone(metrics: Metrics | undefined, exp: Experiment, variant: string, o: ShadowOutcome): void {
  exp.figures.get(variant)?.shadowed(o);
  const result =
    o.error !== undefined ? 'failed' : o.agreed === true ? 'agreed' : o.agreed === false ? 'disagreed' : 'uncompared';
  metrics?.experiment.shadow(exp.name, variant, result, o.latencyMs / 1000);
}

/** Sends a shadow copy through the bounded queue (a drop is counted). */
function offer(
  registry: ExperimentRegistry,
  metrics: Metrics | undefined,
  exp: Experiment,
  variant: string,
  parent: TraceContext | undefined,
  run: (trace: TraceContext | undefined) => Promise<ShadowOutcome>,
): void {
  // Tracing on, a shadow copy is a `massgate.shadow` span in the trace of the request it copies (`parent`).
  const shadow = () =>
    inSpan('massgate.shadow', { 'massgate.experiment': exp.name, 'massgate.variant': variant }, parent, run);
  const accepted = registry.shadows.offer(async () => {
    const t0 = performance.now();
    let o: ShadowOutcome;
    try {
      o = await shadow();
    } catch (e) {
      o = { latencyMs: performance.now() - t0, error: e instanceof Error ? e.message : String(e) };
    }
    shadowDone(metrics, exp, variant, o);
  });
  if (!accepted) {
    const f = exp.figures.get(variant);
    if (f) f.shadow.dropped += 1;
    metrics?.experiment.shadowDropped(exp.name, variant);
  }
}

/**
 * Control output name → shadow output name, by position, for outputs the shadow names differently (same count only).
 */
function outputNames(control: readonly { name: string }[], shadow: readonly { name: string }[]): Map<string, string> {
  const map = new Map<string, string>();
  if (control.length !== shadow.length) return map;
  control.forEach((o, i) => {
    if (!shadow.some((s) => s.name === o.name)) map.set(o.name, shadow[i]!.name);
  });
  return map;
}

/** Counts the top labels of a served v2 answer (deferred: off the client's path). */
function countV2(route: Route, rendered: Rendered, forShadows: boolean): JsonOutput[] | undefined {
  if (rendered.headerLength !== undefined || rendered.body.length > MAX_FIGURE_BODY) return undefined;
  // Top labels come from the model's labels or from classification (BYTES) outputs: a plain tensor
  // answer is parsed only when a shadow needs it for comparison (parsing cost 7 % of routed throughput).
  if (!forShadows && !route.model.labels && !rendered.body.includes(BYTES_DATATYPE)) return undefined;
  const outputs = (JSON.parse(rendered.body.toString('utf8')) as { outputs?: JsonOutput[] }).outputs ?? [];
  const f = route.experiment.figures.get(route.variant.name);
  for (const o of outputs) {
    const labels = topLabelsOf(o, route.model.labels);
    if (labels) {
      for (const l of labels) f?.topLabels.add(l);
      break;
    }
  }
  return outputs;
}

/**
 * After a v2 answer is under way: counts its top labels and sends a copy of the request to each
 * shadow (bounded queue), whose answer is compared with the one the client got.
 */
export function afterV2(
  registry: ExperimentRegistry,
  metrics: Metrics | undefined,
  route: Route,
  envelope: () => Envelope,
  rendered: Rendered,
  limits: EdgeLimits,
  timeoutMs?: number,
  trace?: TraceContext,
): void {
  const exp = route.experiment;
  // The request as parsed for the client's answer (or parsed here once, for an answer replayed from the cache), shared
  // by every shadow.
  let envelopeOnce: Envelope | undefined;
  const parsed = () => (envelopeOnce ??= envelope());
  let served: JsonOutput[] | undefined;
  setImmediate(() => {
    try {
      served = countV2(route, rendered, exp.shadows.length > 0);
    } catch {
      // figures are best effort
    }
  });
  for (const shadow of exp.shadows) {
    offer(registry, metrics, exp, shadow.name, trace, async (parent) => {
      const model = registry.resolve(shadow);
      const t0 = performance.now();
      // Outputs named differently (a layers model's `dense_3`, a graph model's `Identity`) are matched by position.
      const toShadow = outputNames(route.model.outputs, model.outputs);
      const back = new Map([...toShadow].map(([a, b]) => [b, a]));
      const envelope = parsed();
      const raw = envelope.raw;
      const renamed = raw.outputs
        ? { ...raw, outputs: raw.outputs.map((o) => ({ ...o, name: toShadow.get(o.name) ?? o.name })) }
        : raw;
      const request = requestOf({ ...envelope, raw: renamed }, model.inputs, model.outputs, limits);
      const outputs = await model.infer(request.inputs, {
        outputs: request.outputs?.map((o) => o.name),
        timeoutMs,
        trace: parent,
      });
      const latencyMs = performance.now() - t0;
      const mine = selectOutputs(outputs, request.outputs, model.labels).map((t) => ({
        name: back.get(t.name) ?? t.name,
        datatype: t.datatype,
        shape: [...t.shape],
        data: toJson(t),
      }));
      return served ? { latencyMs, ...compareOutputs(served, mine, route.model.labels, model.labels) } : { latencyMs };
    });
  }
}

/** After a v1 answer is under way: top labels, and a copy of the instances to each shadow. */
export function afterV1(
  registry: ExperimentRegistry,
  metrics: Metrics | undefined,
  route: Route,
  instances: readonly unknown[],
  parameters: Record<string, unknown>,
  predictions: string,
  timeoutMs?: number,
  trace?: TraceContext,
): void {
  const exp = route.experiment;
  let served: unknown[] | undefined;
  setImmediate(() => {
    try {
      if (predictions.length > MAX_FIGURE_BODY) return;
      served = JSON.parse(predictions) as unknown[];
      const f = exp.figures.get(route.variant.name);
      for (const p of served) {
        const l = predictionLabel(p);
        if (l !== undefined) f?.topLabels.add(l);
      }
    } catch {
      // figures are best effort
    }
  });
  for (const shadow of exp.shadows) {
    offer(registry, metrics, exp, shadow.name, trace, async (parent) => {
      const model = registry.resolve(shadow);
      const t0 = performance.now();
      const mine = await model.predict(instances, parameters, { timeoutMs, trace: parent });
      const latencyMs = performance.now() - t0;
      return served
        ? { latencyMs, ...comparePredictions(served, JSON.parse(JSON.stringify(mine)) as unknown[]) }
        : { latencyMs };
    });
  }
}
