import { availableParallelism } from 'node:os';
import { GatewayError } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import { superviseWorker, type SupervisorHooks } from '../../runtimes/worker/supervise.ts';
import { runtimeModuleOf, runtimeNames } from '../../runtimes/registry.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import type { Tensor } from '../../core/tensor.ts';
import { BatchingSchema } from '../../model-store/schema.ts';
import { readLabels, type ModelEntry, type VersionEntry } from '../../model-store/scan.ts';
import type { PluginRegistry } from '../../plugins/registry.ts';
import type { CompanionModel, PluginContext } from '../../plugins/plugin.ts';
import type { GatewayConfig } from '../config.ts';
import type { Metrics } from '../metrics/index.ts';
import { createScheduler } from '../scheduling/index.ts';
import { ServedModel } from './served-model.ts';
import { warmUp } from './warm-up.ts';
import type { Servable } from './servable.ts';
import { buildEnsemble, memberSpecs } from '../ensembles/ensemble-model.ts';
import { issuesText } from '../../core/issues.ts';

interface LoaderDeps {
  config: GatewayConfig;
  plugins: PluginRegistry;
  metrics?: Metrics;
  /** Another served model, for plugins' companion models. */
  resolve(name: string, version?: string): Servable;
  /** Another served model, loaded first when it loads on first use (an ensemble's members). */
  acquire?(name: string, version?: string): Promise<Servable>;
}

/** Which runtime serves a version: the config's, else the one its file format implies, else the plugin's. */
function runtimeFor(entry: ModelEntry, source: VersionEntry, pluginRuntime?: string): string {
  if (entry.config.runtime) return entry.config.runtime;
  if (source.format === 'onnx') return 'onnx';
  if (source.format.startsWith('tfjs')) return 'tfjs';
  if (runtimeNames().includes(source.format)) return source.format;
  if (pluginRuntime) return pluginRuntime;
  throw new GatewayError(
    'CONFIG_INVALID',
    `model '${entry.name}': cannot tell which runtime serves format '${source.format}'; set "runtime" in config.json`,
  );
}

function providersFor(runtime: string, entry: ModelEntry, config: GatewayConfig): string[] | undefined {
  if (entry.config.providers) return entry.config.providers;
  if (runtime === 'onnx') return config.onnxProviders;
  if (runtime === 'tfjs' && config.tfjsBackends.length) return config.tfjsBackends;
  return undefined;
}

/** Logs each death and restart of one instance once, and counts them. */
function instanceHooks(model: string, version: number, instance: number, metrics?: Metrics): SupervisorHooks {
  const counters = metrics?.instanceHooks(model, String(version));
  const who = { model, version, instance };
  return {
    onExit(error, cause, restartInMs) {
      counters?.onExit();
      log.error('model worker exited', {
        ...who,
        exitCode: error.exitCode,
        error: cause ? String(cause.stack ?? cause) : undefined,
        restartInMs,
      });
    },
    onRestart(attempt) {
      counters?.onRestart();
      log.info('model worker restarted', { ...who, attempt });
    },
    onRestartFailed(error, attempt, retryInMs) {
      log.warn('model worker restart failed', { ...who, attempt, error: String(error), retryInMs });
    },
  };
}

function companion(m: Servable): CompanionModel {
  if (!(m instanceof ServedModel))
    throw new GatewayError('CONFIG_INVALID', `'${m.name}' is an ensemble; a plugin's companion must be a model`);
  return {
    inputs: m.modelInputs,
    outputs: m.modelOutputs,
    labels: m.labels,
    plugin: m.plugin?.name,
    run: (feeds, outputs) => m.run(feeds, { outputs }),
    ...(m.plugin?.step ? { runStep: (feeds: Record<string, Tensor>) => m.runStep(feeds) } : {}),
  };
}

const MIB = 1024 * 1024;

/**
 * The process's resident memory after a load and its growth since `rss0` (MiB). Worker threads share the process: with
 * loads in parallel (LOAD_CONCURRENCY > 1) the growth also counts what the other loads allocated meanwhile.
 */
function memoryFigures(rss0: number): { rssMB: number; rssDeltaMB: number } {
  const rss = process.memoryUsage.rss();
  return { rssMB: Math.round(rss / MIB), rssDeltaMB: Math.round((rss - rss0) / MIB) };
}

/**
 * Builds what serves one version: an ensemble over other models of the store, or a ServedModel: starts its instances
 * (one worker thread each), binds its
 * plugin (params parsed, validate() called) and puts a scheduler in front. A version's own config.json
 * replaces the model's labels and is merged over its params; its head, if any, is loaded in each
 * instance after the model file (runtimes/head). Any failure frees what
 * was started and names the model. Each instance is warmed with one inference of zeros
 * (gateway/models/warm-up.ts) before the version is returned, so before any load swaps it in; a failed
 * warm-up fails the load.
 */
export function versionLoader(deps: LoaderDeps) {
  return async (entry: ModelEntry, source: VersionEntry): Promise<Servable> => {
    if (entry.config.ensemble) {
      // Members that load on first use load now; one that fails is reported by buildEnsemble.
      const acquire = deps.acquire;
      if (acquire)
        await Promise.all(
          memberSpecs(entry.config.ensemble).map((m) => acquire(m.model, m.version).catch(() => undefined)),
        );
      return buildEnsemble(entry.name, source.version, entry.config, deps.resolve);
    }
    const t0 = performance.now();
    const rss0 = process.memoryUsage.rss();
    const plugin = entry.config.plugin ? deps.plugins.get(entry.config.plugin) : undefined;
    const runtime = runtimeFor(entry, source, plugin?.runtime);
    // One provider list per instance: the instance groups', else `instances` copies of the model's.
    const placement = entry.config.instanceGroups
      ? entry.config.instanceGroups.flatMap((g) => Array.from({ length: g.count }, () => g.providers))
      : Array.from({ length: entry.config.instances }, () => providersFor(runtime, entry, deps.config));
    // Instances share the cores: each gets its share of intra-op threads unless the config says otherwise.
    const threads = Math.max(1, Math.floor(availableParallelism() / placement.length));
    const options = { intraOpNumThreads: threads, ...entry.config.runtimeOptions };
    // A version's own config.json (a fine-tuned version, say) brings its labels and params.
    const configLabels = source.config?.labels ?? readLabels(entry);
    let params: Record<string, unknown> = source.config?.params
      ? { ...entry.config.params, ...source.config.params }
      : entry.config.params;
    if (plugin?.params) {
      const parsed = plugin.params.safeParse(params);
      if (!parsed.success) {
        throw new GatewayError(
          'CONFIG_INVALID',
          `model '${entry.name}': params for plugin '${plugin.name}': ${issuesText(parsed.error)}`,
        );
      }
      params = parsed.data as Record<string, unknown>;
    }
    // The plugin's worker step, bound in each instance's thread to the parsed params.
    const step = plugin?.step
      ? {
          module: plugin.step.module,
          export: plugin.step.export,
          params,
          ...(configLabels ? { labels: configLabels } : {}),
        }
      : undefined;
    const sessions: RuntimeSession[] = [];
    try {
      const runtimeModule = runtimeModuleOf(runtime);
      const started = await Promise.allSettled(
        placement.map((providers, i) =>
          superviseWorker(
            {
              runtime,
              runtimeModule,
              spec: {
                path: source.path,
                format: source.format,
                providers,
                options,
                ...(source.head ? { head: source.head } : {}),
              },
              ...(step ? { step } : {}),
              nice: deps.config.workerNice,
              idle: deps.config.workerSchedIdle,
            },
            { backoff: deps.config.workerRestart, hooks: instanceHooks(entry.name, source.version, i, deps.metrics) },
          ),
        ),
      );
      for (const s of started) if (s.status === 'fulfilled') sessions.push(s.value);
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      const first = sessions[0]!;
      // One inference per instance before the version can take traffic (a failure fails the load). Its
      // deadline is the model's own request timeout (a first run may be slow), not the server's default
      // deadline for clients, which an operator may set very low.
      let batching = BatchingSchema.parse(entry.config.batching ?? {});
      if (!(await warmUp(sessions, { model: entry.name, version: source.version, timeoutMs: batching.timeoutMs }))) {
        log.info('model version not warmed: an input has a dynamic dimension past the first', {
          model: entry.name,
          version: source.version,
        });
      }
      const labels = configLabels ?? first.labels;
      if (plugin?.validate) {
        try {
          plugin.validate({ modelName: entry.name, params, labels, inputs: first.inputs, outputs: first.outputs });
        } catch (e) {
          throw new GatewayError(
            'CONFIG_INVALID',
            `model '${entry.name}' does not fit plugin '${plugin.name}': ${(e as Error).message}`,
            { cause: e },
          );
        }
      }
      // Triton's rule: only models whose inputs and outputs all have a variable first dimension batch
      // (and the plugin's worker step's, whose runs the scheduler batches too).
      const batchable = [
        ...first.inputs,
        ...first.outputs,
        ...(plugin?.step ? [...plugin.step.inputs, ...plugin.step.outputs] : []),
      ].every((t) => t.shape.length > 0 && t.shape[0] === -1);
      if (batching.maxBatchSize > 1 && !batchable) {
        if (entry.config.batching?.maxBatchSize !== undefined) {
          throw new GatewayError(
            'CONFIG_INVALID',
            `model '${entry.name}': batching needs a variable first dimension on every input and output (${[...first.inputs, ...first.outputs].map((t) => `${t.name} [${t.shape}]`).join(', ')})`,
          );
        }
        batching = { ...batching, maxBatchSize: 0 };
      }
      const version = String(source.version);
      const scheduler = createScheduler(sessions, batching, deps.metrics?.schedulerHooks(entry.name, version), {
        'massgate.model.name': entry.name,
        'massgate.model.version': version,
      });
      const model = new ServedModel({
        entry,
        source,
        runtime,
        sessions,
        scheduler,
        labels,
        plugin,
        chunkItems: batching.maxBatchSize > 1 ? batching.maxBatchSize : 0,
        timeoutMs: batching.timeoutMs,
        onClose: deps.metrics?.track(entry.name, version, () => scheduler.stats()),
        context: plugin
          ? (m): PluginContext => ({
              modelName: entry.name,
              params,
              labels,
              inputs: first.inputs,
              outputs: first.outputs,
              run: (feeds, outputs) => m.run(feeds, { outputs }),
              ...(plugin.step ? { runStep: (feeds: Record<string, Tensor>) => m.runStep(feeds) } : {}),
              model: (name, version) => companion(deps.resolve(name, version)),
            })
          : undefined,
      });
      log.info('model version loaded', {
        model: entry.name,
        version: source.version,
        runtime,
        provider: model.provider,
        instances: sessions.length,
        plugin: plugin?.name,
        ...(source.head ? { head: source.head.feature } : {}),
        ms: Math.round(performance.now() - t0),
        ...memoryFigures(rss0),
      });
      return model;
    } catch (e) {
      await Promise.all(sessions.map((s) => s.dispose()));
      throw e;
    }
  };
}
