import { Hono, type Context } from 'hono';
import { invalidInput } from '../../core/errors.ts';
import type { ModelRepository } from '../../model-store/repository.ts';
import type { Servable } from '../models/servable.ts';
import { clientOf, clientSignal, parseJsonBody, readBody, type GatewayEnv } from '../http/body.ts';
import { requireJsonType } from '../http/content.ts';
import { DEFAULT_LIMITS } from '../http/limits.ts';
import { observed, refuseEarly } from '../http/observe.ts';
import { adoptBodyId } from '../http/request-id.ts';
import type { Metrics } from '../metrics/index.ts';
import { modelMetadata } from './metadata.ts';
import { requestPriority, requestTimeoutMs } from './request.ts';
import { parseBody, requestOf, type Envelope } from './envelope.ts';
import {
  encodeOutputs,
  outputsCodec,
  renderInferResponse,
  selectOutputs,
  sendRendered,
  type Rendered,
} from './response.ts';
import { cachesFor, throughCache } from '../http/cached.ts';
import { annotate, inSpanSync, traceOf } from '../telemetry/spans.ts';
import { exactKey, type ResponseCache } from '../cache/index.ts';
import { HEADER_LENGTH, parseHeaderLength } from './binary.ts';
import type { ExperimentRegistry, Route } from '../experiments/registry.ts';
import { afterV2, attribute, parameterKey, servedBy, stickyKey, withParameters } from '../experiments/serve.ts';
import { experimentMetadata } from './experiment-metadata.ts';

interface OipDeps {
  repository: ModelRepository<Servable>;
  /** Server readiness beyond the repository (start-up finished). */
  started(): boolean;
  /** Extra readiness detail (cache tiers…). */
  readinessDetail?(): Record<string, unknown>;
  serverVersion: string;
  metrics?: Metrics;
  cache?: ResponseCache;
  /** Deadline (ms) of inference requests that state none. */
  defaultTimeoutMs?: number;
  /** Experiments: routed names served like models (gateway/experiments). */
  experiments?: ExperimentRegistry;
  /** Default header of an experiment's sticky key. */
  experimentKeyHeader?: string;
}

const maxDefined = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
/** The optional JSON object of a repository request: empty, or an object (400 otherwise). */
export async function repositoryBody(c: Context<GatewayEnv>): Promise<Record<string, unknown>> {
  const length = c.req.header('content-length');
  if (length === '0' || (length === undefined && c.req.header('transfer-encoding') === undefined)) return {};
  requireJsonType(c.req.header('content-type'));
  const bytes = await readBody(c);
  if (bytes.length === 0) return {};
  const body = parseJsonBody(c, bytes);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidInput('the repository request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** A v2 request body read and its envelope parsed ahead of routing. */
interface Preread extends Envelope {
  body: Buffer;
  headerLength: number | undefined;
}

/** The attribute of a request answered by the whole-response cache tier. */
const EXACT_HIT = { 'massgate.cache.tier': 'exact' };

const EXTENSIONS = ['model_repository', 'classification', 'binary_tensor_data', 'schedule_policy'];

/**
 * The Open Inference Protocol v2 REST endpoints: health, server and model metadata, inference, and
 * the model repository extension.
 */
export function oipRoutes(deps: OipDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const { repository } = deps;

  app.get('/v2/health/live', (c) => c.json({ live: true }));
  app.get('/v2/health/ready', (c) => {
    const ready = deps.started() && repository.ready();
    const unavailable = repository.unavailableModels().length;
    const body = {
      ready,
      models: repository.readyModels().length,
      ...(unavailable ? { unavailable } : {}),
      ...deps.readinessDetail?.(),
    };
    return c.json(body, ready ? 200 : 503);
  });
  app.get('/v2', (c) => c.json({ name: 'massgate', version: deps.serverVersion, extensions: EXTENSIONS }));

  const metadata = async (c: Context<GatewayEnv>) => {
    const name = c.req.param('name')!;
    const exp = c.req.param('version') === undefined ? deps.experiments?.get(name) : undefined;
    if (exp) return c.json(experimentMetadata(exp, deps.experiments!, repository));
    const model = await repository.acquire(name, c.req.param('version'));
    return c.json(
      modelMetadata(
        model,
        repository.versionsOf(name).map((m) => m.version),
        repository.labelsOf(model.name),
      ),
    );
  };
  app.get('/v2/models/:name', metadata);
  app.get('/v2/models/:name/versions/:version', metadata);

  const ready = (c: Context<GatewayEnv>) => {
    const name = c.req.param('name')!;
    try {
      const exp = c.req.param('version') === undefined ? deps.experiments?.get(name) : undefined;
      if (exp) deps.experiments!.resolve(exp.control);
      else repository.get(name, c.req.param('version'), false); // a readiness probe does not load a lazy model
      return c.json({ name, ready: true });
    } catch (e) {
      if ((e as { code?: string }).code === 'MODEL_NOT_READY')
        return c.json({ name, ready: false, error: (e as Error).message }, 503);
      throw e;
    }
  };
  app.get('/v2/models/:name/ready', ready);
  app.get('/v2/models/:name/versions/:version/ready', ready);

  /** The body's framing, from headers checked before a byte of it is read: the binary header length, if any. */
  const framing = (c: Context<GatewayEnv>): number | undefined => {
    const headerLength = parseHeaderLength(c.req.header(HEADER_LENGTH), c.get('bodyLimit') ?? Number.MAX_SAFE_INTEGER);
    requireJsonType(c.req.header('content-type'), headerLength === undefined ? [] : ['application/octet-stream']);
    return headerLength;
  };

  /** Reads a v2 body and parses its envelope (for an experiment looking for its sticky key in `parameters`). */
  const readEnvelope = async (c: Context<GatewayEnv>): Promise<Preread> => {
    const headerLength = framing(c);
    const body = await readBody(c, headerLength);
    return { body, headerLength, ...parseBody(body, headerLength, (c.get('limits') ?? DEFAULT_LIMITS).maxJsonDepth) };
  };

  /** `pre`: the body, already read and parsed by an experiment looking for its sticky key in `parameters`. */
  const inferOn = (c: Context<GatewayEnv>, model: Servable, route?: Route, pre?: Preread) => {
    return observed(c, deps.metrics, model, async () => {
      const headerLength = pre ? pre.headerLength : framing(c);
      const limits = c.get('limits') ?? DEFAULT_LIMITS;
      const cacheOn = cachesFor(deps.cache, model.config);
      // Under overload a refusal costs no body read and no parse (a cached model may still answer from the cache).
      refuseEarly(model, cacheOn);
      const body = pre ? pre.body : await readBody(c, headerLength);
      // A byte-identical repeat of a cached request is answered before parsing anything.
      const exact = cacheOn
        ? exactKey(model.name, model.version, headerLength === undefined ? 'json' : String(headerLength), body)
        : undefined;
      const replay = exact ? deps.cache!.exact.get(exact, model.name) : undefined;
      if (replay) {
        adoptBodyId(c, replay.id); // the same bytes carry the same `id`
        // Tracing on: said on the request's span (a span of its own would cost this, the cheapest path, the most).
        annotate(c, EXACT_HIT);
        c.header('massgate-cache', 'memory');
        const b = replay.body;
        const rendered: Rendered = {
          body: Buffer.from(b.buffer, b.byteOffset, b.byteLength), // a view: the stored bytes are sent as they are
          ...(replay.headerLength !== undefined ? { headerLength: replay.headerLength } : {}),
        };
        return route
          ? sendRouted(c, route, () => parseBody(body, headerLength, limits.maxJsonDepth), rendered)
          : sendRendered(c, rendered);
      }
      // parse → (cache) → infer → encode once.
      const envelope = pre ?? parseBody(body, headerLength, limits.maxJsonDepth);
      adoptBodyId(c, envelope.raw.id);
      const request = requestOf(envelope, model.inputs, model.outputs, limits);
      const timeoutMs = requestTimeoutMs(request.parameters) ?? deps.defaultTimeoutMs;
      const priority = requestPriority(request.parameters);
      const encoded = await throughCache(
        c,
        deps.cache,
        model.config,
        request.parameters,
        {
          key: { model: model.name, version: model.version, inputs: request.inputs, outputs: request.outputs },
          codec: outputsCodec,
        },
        async (run) => {
          const outputs = await model.infer(request.inputs, {
            outputs: request.outputs?.map((o) => o.name),
            timeoutMs: run.timeoutMs,
            priority,
            signal: run.signal,
            trace: run.trace,
            client: run.client,
          });
          return inSpanSync('massgate.postprocess', {}, run.trace, () =>
            encodeOutputs(request, selectOutputs(outputs, request.outputs, model.labels)),
          );
        },
        { signal: clientSignal(c), timeoutMs, trace: traceOf(c), client: clientOf(c) },
        maxDefined(timeoutMs, deps.defaultTimeoutMs),
      );
      const rendered = renderInferResponse(model, request.id, encoded);
      if (exact && request.parameters.cache !== false)
        deps.cache!.exact.set(
          exact,
          request.id === undefined ? rendered : { ...rendered, id: request.id },
          model.config.cache?.ttlSeconds ?? 300,
        );
      return route ? sendRouted(c, route, () => envelope, rendered) : sendRendered(c, rendered);
    });
  };

  /**
   * An experiment's answer: attributed (headers, `parameters`), then shadow copies and figures off the client's path.
   */
  const sendRouted = (c: Context<GatewayEnv>, route: Route, envelope: () => Envelope, rendered: Rendered) => {
    const id = attribute(c, deps.experiments!, route);
    const response = sendRendered(
      c,
      withParameters(rendered, { experiment: route.experiment.name, variant: route.variant.name, request_id: id }),
    );
    afterV2(
      deps.experiments!,
      deps.metrics,
      route,
      envelope,
      rendered,
      c.get('limits') ?? DEFAULT_LIMITS,
      deps.defaultTimeoutMs,
      traceOf(c),
    );
    return response;
  };

  const infer = async (c: Context<GatewayEnv>) => {
    const name = c.req.param('name')!;
    const version = c.req.param('version');
    const exp = version === undefined ? deps.experiments?.get(name) : undefined;
    if (!exp) return inferOn(c, await repository.acquire(name, version));
    // Routed first, then the chosen variant's own path (its cache keys carry its model and version). With
    // no key in a header or the query, the body is read first for `parameters.ab_key` (parsed once).
    let key = stickyKey(c, exp, deps.experimentKeyHeader ?? 'x-user-id');
    let pre: Preread | undefined;
    if (key === undefined) {
      pre = await readEnvelope(c);
      key = parameterKey(pre.raw.parameters);
    }
    const route = deps.experiments!.route(exp, key);
    return servedBy(c, deps.metrics, route, () => inferOn(c, route.model, route, pre));
  };
  app.post('/v2/models/:name/infer', infer);
  app.post('/v2/models/:name/versions/:version/infer', infer);

  // The repository routes take an optional small JSON object (Triton's `{"ready": true}`, load
  // parameters); it is read under the route's own body limit (REPOSITORY_BODY_LIMIT_KB) and checked.
  app.post('/v2/repository/index', async (c) => {
    await repositoryBody(c);
    return c.json(repository.index());
  });
  app.post('/v2/repository/models/:name/load', async (c) => {
    await repositoryBody(c);
    await repository.load(c.req.param('name'));
    return c.json({});
  });
  app.post('/v2/repository/models/:name/unload', async (c) => {
    await repositoryBody(c);
    await repository.unload(c.req.param('name'));
    return c.json({});
  });
  return app;
}
