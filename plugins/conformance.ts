import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../core/errors.ts';
import { shapeMatches, type Tensor } from '../core/tensor.ts';
import type { CompanionModel, ModelPlugin, PluginContext } from './plugin.ts';

/** Error codes that the HTTP layer answers with a 4xx: what bad input must produce. */
const CLIENT_ERRORS = new Set([
  'INVALID_INPUT',
  'INVALID_IMAGE',
  'INVALID_AUDIO',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'INVALID_JSON',
]);

export interface PluginConformanceOptions<Item, P> {
  /** A context over the real model (its `run` calling a real runtime session). */
  ctx: () => Promise<PluginContext<P>> | PluginContext<P>;
  /** Friendly-API instances the plugin must accept. */
  validInstances: unknown[];
  /** Instances it must refuse with a client error (400/413/415). */
  invalidInstances: unknown[];
  /** Optional check of each JSON prediction (e.g. the label a real input must get). */
  expectPrediction?: (prediction: unknown, index: number, items: Item[]) => void;
  /**
   * For a plugin with a `stream`: request bodies it must take as a stream, each with the instance that
   * sends the same input whole (whose prediction the streamed answer must equal).
   */
  streamBodies?: Array<{ body: Uint8Array; instance: unknown }>;
}

/**
 * The conformance suite every model plugin passes (vitest `describe`/`it` inside): its start-up
 * validation accepts the model, preprocess output matches the model's declared inputs (names,
 * datatypes, shapes with -1 wildcards, first dimension = item count) — or its worker step's, which then
 * runs here on the context's model and must return its declared outputs —, postprocess answers one
 * JSON-serialisable value per item, and bad input is refused with a client error, not a crash. A
 * plugin with a `stream` takes each of `streamBodies` written in small parts, its chunks run by its
 * step, and answers exactly what the same input gets whole.
 *
 * @example
 * pluginConformance(myPlugin, {
 *   ctx: async () => contextFor(await onnxRuntime.load({ path: 'model.onnx' }), { params: {} }),
 *   validInstances: ['hello'],
 *   invalidInstances: [42, ''],
 * });
 */
export function pluginConformance<Item, P>(plugin: ModelPlugin<Item, P>, o: PluginConformanceOptions<Item, P>): void {
  describe(`plugin conformance: ${plugin.name}`, () => {
    it('declares itself', () => {
      expect(plugin.name).toMatch(/^[a-z0-9][a-z0-9-]*$/);
      expect(['image', 'text', 'audio', 'tensor']).toContain(plugin.modality);
      expect(plugin.inputs.length).toBeGreaterThan(0);
    });

    it('accepts its model at start-up', async () => {
      const ctx = await o.ctx();
      expect(() => plugin.validate?.(ctx)).not.toThrow();
    });

    it(`preprocesses to tensors matching the ${plugin.step ? "worker step's" : 'model'} inputs, one row per item`, async () => {
      const ctx = await o.ctx();
      const items = await Promise.all(o.validInstances.map((i) => plugin.parseInstance(i, ctx)));
      const feeds = await plugin.preprocess(items, ctx);
      for (const input of plugin.step?.inputs ?? ctx.inputs) {
        const t = feeds[input.name];
        expect(t, `feed for input '${input.name}'`).toBeDefined();
        expect(t!.datatype).toBe(input.datatype);
        expect(shapeMatches(input.shape, t!.shape), `shape [${t!.shape}] vs [${input.shape}]`).toBe(true);
        // Inputs batched on dimension 0 carry one row per item (scalars and states batched elsewhere do not).
        if (input.shape[0] === -1) expect(t!.shape[0]).toBe(items.length);
      }
    });

    it('postprocesses to one JSON value per item', async () => {
      const ctx = withStep(plugin, await o.ctx());
      const items = await Promise.all(o.validInstances.map((i) => plugin.parseInstance(i, ctx)));
      const feeds = await plugin.preprocess(items, ctx);
      const outputs: Record<string, Tensor> = plugin.predict
        ? await plugin.predict(feeds, ctx, items)
        : ctx.runStep
          ? await ctx.runStep(feeds)
          : await ctx.run(feeds);
      // The step's declared outputs are what postprocess gets, unless a predict override runs it (and returns its own).
      for (const output of plugin.predict ? [] : (plugin.step?.outputs ?? [])) {
        const t = outputs[output.name];
        expect(t, `worker step output '${output.name}'`).toBeDefined();
        expect(t!.datatype).toBe(output.datatype);
        expect(shapeMatches(output.shape, t!.shape), `shape [${t!.shape}] vs [${output.shape}]`).toBe(true);
        expect(t!.shape[0]).toBe(items.length);
      }
      const predictions = plugin.postprocess(outputs, ctx, items, {});
      expect(predictions).toHaveLength(items.length);
      expect(JSON.parse(JSON.stringify(predictions))).toEqual(predictions);
      predictions.forEach((p, i) => {
        o.expectPrediction?.(p, i, items);
      });
    });

    if (plugin.stream) {
      it('takes a body streamed in small parts and answers what the same input gets whole', async () => {
        expect(o.streamBodies?.length, 'a plugin with a stream needs streamBodies to check').toBeGreaterThan(0);
        const ctx = withStep(plugin, await o.ctx());
        for (const { body, instance } of o.streamBodies!) {
          const items = [await plugin.parseInstance(instance, ctx)];
          const whole = plugin.postprocess(await ctx.runStep!(await plugin.preprocess(items, ctx)), ctx, items, {});
          const session = plugin.stream!.open(ctx, {});
          const run = async () => {
            while (session.ready()) session.took(await ctx.runStep!(session.next()));
          };
          for (let at = 0; at < body.length; at += 997) {
            session.write(body.subarray(at, at + 997));
            await run();
          }
          session.end();
          await run();
          expect(session.done).toBe(true);
          expect(session.result()).toEqual(whole[0]);
        }
      });
    }

    it.each(o.invalidInstances.map((v, i) => [i, v] as const))(
      'refuses invalid instance #%i with a client error',
      async (_, instance) => {
        const ctx = withStep(plugin, await o.ctx());
        let error: unknown;
        try {
          const item = await plugin.parseInstance(instance, ctx);
          const feeds = await plugin.preprocess([item], ctx);
          // A worker step decodes what preprocess passed on: its refusals count too.
          if (plugin.step && !plugin.predict) await ctx.runStep!(feeds);
        } catch (e) {
          error = e;
        }
        expect(error, 'the instance was accepted').toBeDefined();
        expect(
          isGatewayError(error) && CLIENT_ERRORS.has(error.code),
          `expected a client error, got ${String(error)}`,
        ).toBe(true);
      },
    );
  });
}

/** A loaded model as a context needs it: a runtime session, or anything shaped like one. */
type SessionLike = {
  inputs: PluginContext['inputs'];
  outputs: PluginContext['outputs'];
  labels?: readonly string[] | undefined;
  run: PluginContext['run'];
};

/**
 * The context with `runStep` running the plugin's worker step in this thread, on the context's model
 * (what a worker thread does with it), when the plugin has a step and the context no `runStep`.
 */
function withStep<Item, P>(plugin: ModelPlugin<Item, P>, ctx: PluginContext<P>): PluginContext<P> {
  const step = plugin.step;
  if (!step || ctx.runStep) return ctx;
  const local = {
    params: ctx.params,
    labels: ctx.labels,
    inputs: ctx.inputs,
    outputs: ctx.outputs,
    run: ctx.run,
    signal: new AbortController().signal,
  };
  return { ...ctx, runStep: (feeds) => step.run(feeds, local) };
}

/**
 * A plugin context over a real runtime session, for conformance tests outside the gateway.
 * `ctx.model(name)` answers the companions given in `models` (see `companionFor`), and throws for others.
 *
 * @example contextFor(await onnxRuntime.load({ path }), { params: plugin.params!.parse({}), models: { rec: companionFor(recSession) } })
 */
export function contextFor<P>(
  session: SessionLike,
  o: {
    modelName?: string;
    params: P;
    labels?: readonly string[] | undefined;
    models?: Readonly<Record<string, CompanionModel>>;
  },
): PluginContext<P> {
  return {
    modelName: o.modelName ?? 'test-model',
    params: o.params,
    labels: o.labels ?? session.labels,
    inputs: session.inputs,
    outputs: session.outputs,
    run: (feeds, outputs) => session.run(feeds, outputs),
    model: (name) => {
      const companion = o.models && Object.hasOwn(o.models, name) ? o.models[name] : undefined;
      if (!companion)
        throw new Error(
          `companion model '${name}' is not available outside the gateway (give it in contextFor's models)`,
        );
      return companion;
    },
  };
}

/**
 * Another model as `ctx.model(name)` shows it in the gateway, over a real runtime session (labels: the
 * model config's, if any). With `plugin` (the companion's own plugin, and its parsed `params`), its worker
 * step runs in this thread on that session, as `runStep`.
 */
export function companionFor(
  session: SessionLike,
  o: { labels?: readonly string[] | undefined; plugin?: ModelPlugin<never, never>; params?: unknown } = {},
): CompanionModel {
  const labels = o.labels ?? session.labels;
  const run: PluginContext['run'] = (feeds, outputs) => session.run(feeds, outputs);
  const step = o.plugin?.step;
  const local = {
    params: o.params as never,
    labels,
    inputs: session.inputs,
    outputs: session.outputs,
    run,
    signal: new AbortController().signal,
  };
  return {
    inputs: session.inputs,
    outputs: session.outputs,
    ...(labels ? { labels } : {}),
    run,
    ...(o.plugin ? { plugin: o.plugin.name } : {}),
    ...(step ? { runStep: (feeds: Record<string, Tensor>) => step.run(feeds, local) } : {}),
  };
}
