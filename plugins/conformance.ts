import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../core/errors.ts';
import { shapeMatches, type Tensor } from '../core/tensor.ts';
import type { CompanionModel, ModelPlugin, PluginContext } from './plugin.ts';

/** Error codes that the HTTP layer answers with a 4xx: what bad input must produce. */
const CLIENT_ERRORS = new Set(['INVALID_INPUT', 'INVALID_IMAGE', 'INVALID_AUDIO', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE', 'INVALID_JSON']);

export interface PluginConformanceOptions<Item, P> {
  /** A context over the real model (its `run` calling a real runtime session). */
  ctx: () => Promise<PluginContext<P>> | PluginContext<P>;
  /** Friendly-API instances the plugin must accept. */
  validInstances: unknown[];
  /** Instances it must refuse with a client error (400/413/415). */
  invalidInstances: unknown[];
  /** Optional check of each JSON prediction (e.g. the label a real input must get). */
  expectPrediction?: (prediction: unknown, index: number, items: Item[]) => void;
}

/**
 * The conformance suite every model plugin passes (vitest `describe`/`it` inside): its start-up
 * validation accepts the model, preprocess output matches the model's declared inputs (names,
 * datatypes, shapes with -1 wildcards, first dimension = item count), postprocess answers one
 * JSON-serialisable value per item, and bad input is refused with a client error, not a crash.
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

    it('preprocesses to tensors matching the model inputs, one row per item', async () => {
      const ctx = await o.ctx();
      const items = await Promise.all(o.validInstances.map((i) => plugin.parseInstance(i, ctx)));
      const feeds = await plugin.preprocess(items, ctx);
      for (const input of ctx.inputs) {
        const t = feeds[input.name];
        expect(t, `feed for input '${input.name}'`).toBeDefined();
        expect(t!.datatype).toBe(input.datatype);
        expect(shapeMatches(input.shape, t!.shape), `shape [${t!.shape}] vs [${input.shape}]`).toBe(true);
        // Inputs batched on dimension 0 carry one row per item (scalars and states batched elsewhere do not).
        if (input.shape[0] === -1) expect(t!.shape[0]).toBe(items.length);
      }
    });

    it('postprocesses to one JSON value per item', async () => {
      const ctx = await o.ctx();
      const items = await Promise.all(o.validInstances.map((i) => plugin.parseInstance(i, ctx)));
      const feeds = await plugin.preprocess(items, ctx);
      const outputs: Record<string, Tensor> = plugin.predict ? await plugin.predict(feeds, ctx, items) : await ctx.run(feeds);
      const predictions = plugin.postprocess(outputs, ctx, items, {});
      expect(predictions).toHaveLength(items.length);
      expect(JSON.parse(JSON.stringify(predictions))).toEqual(predictions);
      predictions.forEach((p, i) => o.expectPrediction?.(p, i, items));
    });

    it.each(o.invalidInstances.map((v, i) => [i, v] as const))('refuses invalid instance #%i with a client error', async (_, instance) => {
      const ctx = await o.ctx();
      let error: unknown;
      try {
        const item = await plugin.parseInstance(instance, ctx);
        await plugin.preprocess([item], ctx);
      } catch (e) {
        error = e;
      }
      expect(error, 'the instance was accepted').toBeDefined();
      expect(isGatewayError(error) && CLIENT_ERRORS.has(error.code), `expected a client error, got ${String(error)}`).toBe(true);
    });
  });
}

/** A loaded model as a context needs it: a runtime session, or anything shaped like one. */
type SessionLike = { inputs: PluginContext['inputs']; outputs: PluginContext['outputs']; labels?: readonly string[]; run: PluginContext['run'] };

/**
 * A plugin context over a real runtime session, for conformance tests outside the gateway.
 * `ctx.model(name)` answers the companions given in `models` (see `companionFor`), and throws for others.
 *
 * @example contextFor(await onnxRuntime.load({ path }), { params: plugin.params!.parse({}), models: { rec: companionFor(recSession) } })
 */
export function contextFor<P>(
  session: SessionLike,
  o: { modelName?: string; params: P; labels?: readonly string[]; models?: Readonly<Record<string, CompanionModel>> },
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
      if (!companion) throw new Error(`companion model '${name}' is not available outside the gateway (give it in contextFor's models)`);
      return companion;
    },
  };
}

/** Another model as `ctx.model(name)` shows it in the gateway, over a real runtime session (labels: the model config's, if any). */
export function companionFor(session: SessionLike, o: { labels?: readonly string[] } = {}): CompanionModel {
  const labels = o.labels ?? session.labels;
  return { inputs: session.inputs, outputs: session.outputs, ...(labels ? { labels } : {}), run: (feeds, outputs) => session.run(feeds, outputs) };
}
