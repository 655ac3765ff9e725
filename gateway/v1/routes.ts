import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { GatewayError, invalidInput } from '../../core/errors.ts';
import type { ModelRepository } from '../../model-store/repository.ts';
import type { Servable } from '../models/servable.ts';
import { clientOf, clientSignal, parseJsonBody, readForm, readJson, type GatewayEnv } from '../http/body.ts';
import { requestTimeoutMs } from '../oip/request.ts';
import { observed, refuseEarly } from '../http/observe.ts';
import { cachesFor, throughCache, type CacheCodec, type RunOptions } from '../http/cached.ts';
import { canonicalJson, type ResponseCache } from '../cache/index.ts';
import { isAudioType, isMultipart, requireJsonType } from '../http/content.ts';
import { methodNotAllowed } from '../http/methods.ts';
import { predictStreamed } from './streamed.ts';
import { checkInstances, DEFAULT_LIMITS } from '../http/limits.ts';
import type { Metrics } from '../metrics/index.ts';
import type { ExperimentRegistry, Route } from '../experiments/registry.ts';
import { afterV1, attribute, parameterKey, servedBy, stickyKey } from '../experiments/serve.ts';
import { traceOf } from '../telemetry/spans.ts';
import { issuesText } from '../../core/issues.ts';

const PredictSchema = z.object({
  instances: z.array(z.unknown()).min(1),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

/** The multipart field holding the request's parameters as one JSON object (text, or a JSON file part). */
const PARAMETERS_FIELD = 'parameters';

/**
 * Multipart upload: every file field becomes one instance (its raw bytes); a `parameters` field is a JSON object of
 * parameters (`-F 'parameters={"top_k": 3}'`), and every other text field one parameter (numbers parsed), which wins
 * over the same key in `parameters`.
 */
async function fromMultipart(
  c: Context<GatewayEnv>,
): Promise<{ instances: unknown[]; parameters: Record<string, unknown> }> {
  const form = await readForm(c);
  const instances: unknown[] = [];
  let fromJson: Record<string, unknown> = {};
  const fields: Record<string, unknown> = {};
  for (const [key, value] of form.entries()) {
    if (key === PARAMETERS_FIELD) {
      const text = typeof value === 'string' ? Buffer.from(value) : new Uint8Array(await value.arrayBuffer());
      if (text.length > 0) fromJson = parametersObject(parseJsonBody(c, text));
    } else if (typeof value === 'string') fields[key] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    else instances.push(new Uint8Array(await value.arrayBuffer()));
  }
  if (instances.length === 0) throw invalidInput('the multipart body has no file field');
  return { instances, parameters: { ...fromJson, ...fields } };
}

function parametersObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidInput(`the multipart field '${PARAMETERS_FIELD}' must be a JSON object, e.g. {"top_k": 3}`);
  return value as Record<string, unknown>;
}

/** A JSON text stored as its UTF-8 bytes. */
const TEXT: CacheCodec<string> = {
  pack: (text) => Buffer.from(text),
  unpack: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
};

type PredictBody = { instances: unknown[]; parameters?: Record<string, unknown> | undefined };

/** A JSON predict body, checked against `{"instances": [...], "parameters": {...}}`. */
async function readPredictBody(c: Context<GatewayEnv>): Promise<PredictBody> {
  const parsed = PredictSchema.safeParse(await readJson(c));
  if (!parsed.success) throw invalidInput(`expected {"instances": [...]}: ${issuesText(parsed.error, '(body)')}`);
  return parsed.data;
}

/**
 * The friendly JSON API (KServe v1 style): `POST /v1/models/{m}:predict` with `{"instances": [...]}`
 * answers `{"predictions": [...]}`; plugin models take their own instance format (an image as
 * base64, a text…), a multipart upload sends files directly, and a model that takes a streamed body (a
 * VAD) takes a recording as the body itself (`Content-Type: audio/wav`, see ./streamed.ts).
 */
export function v1Routes(
  repository: ModelRepository<Servable>,
  metrics?: Metrics,
  cache?: ResponseCache,
  defaultTimeoutMs?: number,
  experiments?: { registry: ExperimentRegistry; keyHeader: string },
): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.get('/v1/models', (c) =>
    c.json({
      models: repository.readyModels(),
      ...(experiments ? { experiments: experiments.registry.names().filter((n) => experiments.registry.get(n)) } : {}),
    }),
  );
  app.get('/v1/models/:spec', async (c) => {
    const name = c.req.param('spec');
    // `m:predict` (model names never hold ':') is the predict route, asked with the wrong method.
    if (name.includes(':')) return methodNotAllowed(c, 'POST');
    const exp = experiments?.registry.get(name);
    if (exp) {
      const control = experiments!.registry.resolve(exp.control);
      return c.json({
        name,
        ready: true,
        version: String(control.version),
        experiment: { control: exp.control.name, variants: exp.definition.variants.map((v) => v.name) },
      });
    }
    const model = await repository.acquire(name);
    const { description, finetuned } = model.describe();
    return c.json({
      name,
      ready: true,
      version: String(model.version),
      ...(description ? { description } : {}),
      ...(finetuned ? { parameters: { finetuned } } : {}),
    });
  });
  app.post('/v1/models/:spec', async (c) => {
    const spec = c.req.param('spec');
    const at = spec.lastIndexOf(':');
    if (at < 0 || spec.slice(at + 1) !== 'predict')
      throw new GatewayError(
        'MODEL_NOT_FOUND',
        `no such endpoint: POST /v1/models/${spec} (use /v1/models/{name}:predict)`,
      );
    // `name@version` and `name@label` pick a version; a bare experiment name is routed to a variant.
    const [name, version] = spec.slice(0, at).split('@') as [string, string | undefined];
    const exp = version === undefined ? experiments?.registry.get(name) : undefined;
    if (!exp) return predictOn(c, await repository.acquire(name, version));
    // With no key in a header or the query, a JSON body is read first for `parameters.ab_key` (parsed once).
    let key = stickyKey(c, exp, experiments!.keyHeader);
    let pre: PredictBody | undefined;
    const type = c.req.header('content-type');
    if (key === undefined && !isMultipart(type) && !isAudioType(type)) {
      pre = await readPredictBody(c);
      key = parameterKey(pre.parameters);
    }
    const route = experiments!.registry.route(exp, key);
    return servedBy(c, metrics, route, () => predictOn(c, route.model, route, pre));
  });

  /** `pre`: the JSON body, already read by an experiment looking for its sticky key in `parameters`. */
  const predictOn = (c: Context<GatewayEnv>, model: Servable, route?: Route, pre?: PredictBody) => {
    return observed(c, metrics, model, async () => {
      const type = c.req.header('content-type') ?? '';
      if (isAudioType(type)) return predictStreamed(c, model, defaultTimeoutMs);
      requireJsonType(type, ['multipart/form-data']);
      const multipart = isMultipart(type);
      refuseEarly(model, !multipart && cachesFor(cache, model.config));
      const body = pre ?? (multipart ? await fromMultipart(c) : await readPredictBody(c));
      checkInstances(body.instances.length, (c.get('limits') ?? DEFAULT_LIMITS).maxInstances);
      const parameters = body.parameters ?? {};
      const own = {
        signal: clientSignal(c),
        timeoutMs: requestTimeoutMs(parameters) ?? defaultTimeoutMs,
        trace: traceOf(c),
        client: clientOf(c),
      };
      // The predictions' JSON, encoded once: stored as UTF-8 bytes only when the cache is on.
      const compute = async (run: RunOptions) => JSON.stringify(await model.predict(body.instances, parameters, run));
      // Multipart bodies carry raw files: they are not cached (their bytes would need hashing here too).
      const predictions = multipart
        ? await compute(own)
        : await throughCache(
            c,
            cache,
            model.config,
            parameters,
            {
              key: {
                api: 'v1',
                model: model.name,
                version: model.version,
                inputs: {
                  instances: {
                    name: 'instances',
                    datatype: 'BYTES',
                    shape: [1],
                    data: [Buffer.from(canonicalJson(body.instances))],
                  },
                },
              },
              codec: TEXT,
            },
            compute,
            own,
            Math.max(own.timeoutMs ?? 0, defaultTimeoutMs ?? 0) || undefined,
          );
      let variant = '';
      if (route) {
        const id = attribute(c, experiments!.registry, route);
        variant =
          `"experiment":${JSON.stringify(route.experiment.name)},"variant":${JSON.stringify(route.variant.name)},` +
          `"request_id":${JSON.stringify(id)},`;
        afterV1(
          experiments!.registry,
          metrics,
          route,
          body.instances,
          parameters,
          predictions,
          defaultTimeoutMs,
          traceOf(c),
        );
      }
      return c.body(
        `{"model_name":${JSON.stringify(model.name)},"model_version":"${model.version}",${variant}"predictions":${predictions}}`,
        200,
        { 'content-type': 'application/json' },
      );
    });
  };
  return app;
}
