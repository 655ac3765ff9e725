import { Hono } from 'hono';
import { GatewayError } from '../core/errors.ts';
import { log, setLogLevel } from '../core/log.ts';
import { PACKAGE_VERSION } from '../core/package-root.ts';
import { ModelRepository } from '../model-store/repository.ts';
import { ignoredFolders, listModels } from '../model-store/scan.ts';
import { join } from 'node:path';
import { runtimeNames } from '../runtimes/registry.ts';
import { loadPlugins, type PluginRegistry } from '../plugins/registry.ts';
import type { GatewayConfig } from './config.ts';
import { onError } from './http/status.ts';
import { limitBody, type GatewayEnv } from './http/body.ts';
import { useLimits } from './http/limits.ts';
import { notFoundOr405 } from './http/methods.ts';
import { addScrubRoot } from './http/scrub.ts';
import { versionLoader } from './models/load-version.ts';
import { loadAtStartUp, withCompanions } from './models/start-up.ts';
import type { Servable } from './models/servable.ts';
import { oipRoutes } from './oip/routes.ts';
import { v1Routes } from './v1/routes.ts';
import { createMetrics } from './metrics/index.ts';
import { access, accessRecorder, type Answer } from './http/access.ts';
import { createResponseCache } from './cache/index.ts';
import { guard } from './auth/guard.ts';
import { StoreWatcher } from '../model-store/publish/watcher.ts';
import { ExperimentRegistry } from './experiments/registry.ts';
import { experimentRoutes } from './experiments/routes.ts';
import { labelRoutes } from './oip/label-routes.ts';
import { declaredExperiment } from './experiments/persist.ts';
import { JobRegistry } from './finetune/jobs.ts';
import { finetuneRoutes } from './finetune/routes.ts';
import { distillRoutes } from './distill/routes.ts';
import { removeStaging } from './finetune/publish.ts';
import { Slots } from './finetune/slots.ts';
import { activeTracer } from './telemetry/spans.ts';
import { traceRequests } from './telemetry/http.ts';
import { createConsole } from './console/index.ts';

export interface Gateway {
  app: Hono<GatewayEnv>;
  repository: ModelRepository<Servable>;
  plugins: PluginRegistry;
  config: GatewayConfig;
  /** Server readiness, as `/v2/health/ready` answers it (also used by the server's health fast path). */
  readiness(): { ready: boolean; body: Record<string, unknown> };
  /** Publishes versions dropped into the store (started by `start()` unless STORE_POLL_S=0). */
  readonly watcher: StoreWatcher | undefined;
  /** Experiments (A/B routing), built at `start()` once the models are loaded. */
  experiments: ExperimentRegistry;
  /** Fine-tuning jobs (the training hook). */
  jobs: JobRegistry;
  /**
   * Records a request answered outside Hono (the server's health fast path, refusals while draining): the
   * HTTP metrics and the access log line, as the router's first middleware does for the others.
   */
  answered(a: Answer): void;
  /** Loads the store's models (all, or config.loadModels); resolves when start-up is complete. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the gateway: plugins validated, repository wired, routes mounted. Nothing is loaded until
 * `start()`, so `/v2/health/live` answers while models load and `/v2/health/ready` turns 200 after.
 *
 * @example
 * const gw = await createGateway(loadConfig({ MODEL_STORE: './models' }));
 * serve({ fetch: gw.app.fetch, port: 8080 });
 * await gw.start();
 */
export async function createGateway(config: GatewayConfig): Promise<Gateway> {
  setLogLevel(config.logLevel);
  addScrubRoot(config.modelStore, '<model-store>');
  const plugins = await loadPlugins(config.plugins, runtimeNames());
  let started = false;
  const metrics = createMetrics();
  const cache = createResponseCache(
    {
      memoryBytes: config.cache.memoryBytes,
      maxEntryBytes: config.cache.maxEntryBytes,
      redisUrl: config.cache.redisUrl,
    },
    metrics.registry,
  );
  const repository: ModelRepository<Servable> = new ModelRepository(
    config.modelStore,
    versionLoader({
      config,
      plugins,
      metrics,
      resolve: (name, version) => repository.get(name, version),
      acquire: (name, version) => repository.acquire(name, version),
    }),
    {
      hidden: (name) => declaredExperiment(config.modelStore, name) !== undefined,
      onLoad: (name, error) => metrics.modelLoaded(name, error),
    },
  );
  metrics.trackModels(() => repository.states());
  const experiments = new ExperimentRegistry({
    store: config.modelStore,
    repository,
    metrics,
    keyHeader: config.experiments.keyHeader,
    shadowLimit: config.experiments.shadowLimit,
  });

  const jobs = new JobRegistry(join(config.modelStore, '.jobs'), config.finetune.jobsKept);
  // Staging folders of jobs a stop interrupted: in the model folder (a version), the student's, or the store (a model).
  for (const dir of new Set(jobs.interrupted.flatMap((j) => ['', j.model, ...(j.student ? [j.student.model] : [])]))) {
    try {
      removeStaging(join(config.modelStore, dir));
    } catch {
      /* the model folder is gone */
    }
  }
  const runningJobs = new Set<Promise<void>>();

  const answered = accessRecorder({ metrics, log: config.accessLog });
  const app = new Hono<GatewayEnv>();
  app.onError(onError);
  // Tracing on (installed before the gateway is built): each routed request gets a server span, first of all (the
  // access log line is then written inside it, with its trace id).
  if (activeTracer()) app.use('*', traceRequests());
  app.notFound(notFoundOr405(app)); // a known path with another method: 405 + Allow; an unknown path: 404
  app.use('*', access(answered)); // first: every answer, refusals included, gets its request id and is counted
  app.use('*', guard({ keys: config.auth.keys, metricsAuth: config.auth.metricsAuth, rateLimit: config.rateLimit }));
  app.use('*', limitBody(config.bodyLimitBytes, config.audioBodyLimitBytes));
  app.use('/v2/repository/*', limitBody(config.repositoryBodyLimitBytes));
  app.use('*', useLimits(config.limits));
  app.route(
    '/',
    oipRoutes({
      repository,
      started: () => started,
      serverVersion: PACKAGE_VERSION,
      metrics,
      cache,
      readinessDetail: () => ({ cache: cache.status() }),
      defaultTimeoutMs: config.inferTimeoutMs,
      experiments,
      experimentKeyHeader: config.experiments.keyHeader,
    }),
  );
  app.route('/', labelRoutes(repository));
  // The training hook: fine-tuning and distillation share the job registry, the slots and the limits.
  const training = {
    repository,
    experiments,
    jobs,
    running: runningJobs,
    slots: new Slots(config.finetune.concurrency),
    training: {
      cpuShare: config.finetune.cpuShare,
      nice: config.finetune.nice,
      minAccuracy: config.finetune.minAccuracy,
      maxFeatureBytes: config.finetune.maxFeatureBytes,
    },
    limits: {
      ...(config.finetune.dataRoot !== undefined ? { dataRoot: config.finetune.dataRoot } : {}),
      maxExamples: config.finetune.maxExamples,
      minPerClass: config.finetune.minPerClass,
      maxFileBytes: config.bodyLimitBytes,
    },
  };
  app.route('/', finetuneRoutes(training));
  app.route('/', distillRoutes(training));
  app.route(
    '/',
    v1Routes(repository, metrics, cache, config.inferTimeoutMs, {
      registry: experiments,
      keyHeader: config.experiments.keyHeader,
    }),
  );
  app.route('/', experimentRoutes(experiments));
  const operatorConsole = createConsole(metrics.registry); // the page at /console and its metrics history
  app.route('/', operatorConsole.routes);
  app.get('/metrics', async (c) => c.text(await metrics.render(), 200, { 'content-type': metrics.contentType }));

  let watcher: StoreWatcher | undefined;
  return {
    app,
    repository,
    plugins,
    config,
    experiments,
    jobs,
    answered,
    get watcher() {
      return watcher;
    },
    readiness() {
      const ready = started && repository.ready();
      const unavailable = repository.unavailableModels().length;
      return {
        ready,
        body: {
          ready,
          models: repository.readyModels().length,
          ...(unavailable ? { unavailable } : {}),
          cache: cache.status(),
        },
      };
    },
    async start() {
      const stored = listModels(config.modelStore);
      // Listed models bring what they need: ensemble members and the companions their configs name.
      const names = (config.loadModels ? withCompanions(config.modelStore, config.loadModels, stored) : stored).filter(
        (name) => !experiments.isDeclared(name), // experiment folders are built below, not loaded
      );
      if (names.length === 0)
        log.warn(
          'the model store holds no model: nothing is served until one is added and loaded (POST /v2/repository/models/{name}/load)',
          { store: config.modelStore },
        );
      const { failures } = await loadAtStartUp({
        repository,
        store: config.modelStore,
        names,
        listed: config.loadModels !== undefined,
        concurrency: config.loadConcurrency,
      });
      if (failures.size && config.onModelError === 'exit') {
        throw new GatewayError(
          'MODEL_LOAD_FAILED',
          `models failed to load: ${[...failures].map(([n, m]) => `${n}: ${m}`).join('; ')}`,
        );
      }
      for (const [name, message] of failures) log.warn('model unavailable', { model: name, error: message });
      experiments.init(config.loadModels);
      for (const folder of config.loadModels ? [] : ignoredFolders(config.modelStore))
        log.warn('store folder ignored: not a valid model name', { folder });
      started = true;
      if (config.storePollMs > 0) {
        watcher = new StoreWatcher(repository, { pollMs: config.storePollMs });
        watcher.start();
      }
    },
    async close() {
      await watcher?.close();
      jobs.stopAll('the gateway shut down during the job; nothing was published');
      await Promise.allSettled(runningJobs);
      experiments.close();
      operatorConsole.close();
      await repository.close();
      await cache.close();
    },
  };
}
