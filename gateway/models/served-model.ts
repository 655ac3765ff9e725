import { numbers, type Tensor, type TensorInfo } from '../../core/tensor.ts';
import { GatewayError } from '../../core/errors.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import type { ModelEntry, VersionEntry } from '../../model-store/scan.ts';
import type { ModelPlugin, PluginContext } from '../../plugins/plugin.ts';
import type { Scheduler, SubmitOptions } from '../scheduling/scheduler.ts';
import { joinChunks } from '../scheduling/chunks.ts';
import type { Scores, Servable, StreamListener } from './servable.ts';
import { pumpStream, type StreamTarget } from './stream.ts';
import { inSpan, inSpanSync } from '../telemetry/spans.ts';

const PLATFORMS: Record<string, string> = { onnx: 'onnxruntime_onnx', tfjs: 'tensorflowjs' };

interface ServedModelParts {
  entry: ModelEntry;
  source: VersionEntry;
  runtime: string;
  sessions: RuntimeSession[];
  scheduler: Scheduler;
  labels?: readonly string[] | undefined;
  plugin?: ModelPlugin | undefined;
  /**
   * Plugin items preprocessed and run per this many (the model's maxBatchSize), so that a request of
   * many items never builds one huge tensor; 0 = all at once (batching off).
   */
  chunkItems?: number;
  /**
   * The model's default request deadline (batching.timeoutMs): a chunked request's whole deadline when it states none.
   */
  timeoutMs: number;
  /** Called once the version is closed (metrics stop reporting it). */
  onClose?: (() => void) | undefined;
  /** Built by the loader once the ServedModel exists (its `run` calls back into the model). */
  context?: ((model: ServedModel) => PluginContext) | undefined;
}

/**
 * One loaded version of a model: its instances (worker-thread sessions) behind a scheduler, its plugin
 * if any, and in-flight tracking so that `close()` during a hot swap lets every accepted request finish.
 */
export class ServedModel implements Servable {
  readonly name: string;
  readonly version: number;
  readonly entry: ModelEntry;
  readonly source: VersionEntry;
  readonly runtime: string;
  readonly provider: string;
  /** The runtime model's own inputs and outputs. */
  readonly modelInputs: readonly TensorInfo[];
  readonly modelOutputs: readonly TensorInfo[];
  readonly labels: readonly string[] | undefined;
  readonly plugin: ModelPlugin | undefined;
  readonly ctx: PluginContext | undefined;
  private readonly sessions: RuntimeSession[];
  private readonly scheduler: Scheduler;
  private readonly onClose: (() => void) | undefined;
  private readonly chunkItems: number;
  private readonly timeoutMs: number;
  private inflight = 0;
  private idle: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(parts: ServedModelParts) {
    const first = parts.sessions[0]!;
    this.name = parts.entry.name;
    this.version = parts.source.version;
    this.entry = parts.entry;
    this.source = parts.source;
    this.runtime = parts.runtime;
    this.provider = first.provider;
    this.modelInputs = first.inputs;
    this.modelOutputs = first.outputs;
    this.labels = parts.labels;
    this.plugin = parts.plugin;
    this.sessions = parts.sessions;
    this.scheduler = parts.scheduler;
    this.onClose = parts.onClose;
    this.chunkItems = parts.chunkItems ?? 0;
    this.timeoutMs = parts.timeoutMs;
    this.ctx = parts.context?.(this);
  }

  /** Inputs a client sends over v2: the plugin's (e.g. BYTES images) or the model's own. */
  get inputs(): readonly TensorInfo[] {
    return this.plugin ? this.plugin.inputs : this.modelInputs;
  }

  get outputs(): readonly TensorInfo[] {
    return this.plugin?.outputs ?? this.plugin?.step?.outputs ?? this.modelOutputs;
  }

  get config() {
    return this.entry.config;
  }

  get platform(): string {
    return PLATFORMS[this.runtime] ?? this.runtime;
  }

  describe(): Record<string, unknown> {
    const c = this.config;
    return {
      version: String(this.version),
      runtime: this.runtime,
      provider: this.provider,
      instances: this.sessions.length,
      live_instances: this.scheduler.stats().live,
      ...(new Set(this.sessions.map((x) => x.provider)).size > 1
        ? { instance_providers: this.sessions.map((x) => x.provider) }
        : {}),
      ...((this.source.config?.description ?? c.description)
        ? { description: this.source.config?.description ?? c.description }
        : {}),
      ...(this.plugin
        ? { plugin: this.plugin.name, modality: this.plugin.modality, model_inputs: this.modelInputs }
        : {}),
      ...((c.example ?? this.plugin?.example) !== undefined
        ? { example: { instances: [c.example ?? this.plugin?.example] } }
        : {}),
      ...(this.plugin?.stream ? { stream_types: this.plugin.stream.contentTypes } : {}),
      // Class labels: always their count; the list itself up to 1000 (an OCR alphabet of 6623 is left out).
      ...(this.labels
        ? { label_count: this.labels.length, ...(this.labels.length <= 1000 ? { labels: this.labels } : {}) }
        : {}),
      ...(c.license ? { license: c.license } : {}),
      ...(this.source.source ? { source: this.source.source } : {}),
      ...(this.source.config?.finetuned ? { finetuned: this.source.config.finetuned } : {}),
      ...(this.source.config?.distilled ? { distilled: this.source.config.distilled } : {}),
    };
  }

  /** False while every instance's worker is dead (restarting): readiness and routing consult it. */
  live(): boolean {
    return this.scheduler.stats().live > 0;
  }

  /** The error a new request would get at once (unloading, queue full, no live instance), if any. */
  refusal(): GatewayError | undefined {
    if (this.closing)
      return new GatewayError('MODEL_NOT_READY', `model '${this.name}' version ${this.version} is unloading`, {
        retryAfterS: 1,
      });
    return this.scheduler.refusal();
  }

  /** Counts work in flight until the returned function is called (close() waits for it). */
  private begin(): () => void {
    if (this.closing)
      throw new GatewayError('MODEL_NOT_READY', `model '${this.name}' version ${this.version} is unloading`, {
        retryAfterS: 1,
      });
    this.inflight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.inflight === 0) this.idle?.();
    };
  }

  private async track<T>(work: () => Promise<T>): Promise<T> {
    const end = this.begin();
    try {
      return await work();
    } finally {
      end();
    }
  }

  get streamTypes(): readonly string[] {
    return this.plugin?.stream?.contentTypes ?? [];
  }

  /**
   * A streamed body's session on this model (its plugin's `stream`), its chunks run by the worker step
   * through the scheduler with `options` (a deadline per chunk). The version stays loaded until `release`.
   */
  openStream(parameters: Record<string, unknown>, options?: SubmitOptions): StreamTarget & { release(): void } {
    const { plugin, ctx } = this.pluginOrThrow();
    if (!plugin.stream)
      throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', `model '${this.name}' takes no streamed body: send JSON`);
    const release = this.begin();
    try {
      return {
        session: plugin.stream.open(ctx, parameters),
        run: (feeds) => this.scheduler.submit(feeds, { ...options, outputs: undefined, step: true }),
        release,
      };
    } catch (e) {
      release();
      throw e;
    }
  }

  async predictStream(
    parts: AsyncIterable<Uint8Array>,
    parameters: Record<string, unknown>,
    options?: SubmitOptions,
    listener: StreamListener = {},
  ): Promise<unknown> {
    const target = this.openStream(parameters, options);
    try {
      await pumpStream(parts, [target], {
        onStarted: () => listener.onStarted?.(),
        onEvents: (_, events) => listener.onEvents?.(events),
      });
      return target.session.result();
    } finally {
      target.release();
    }
  }

  /** Runs model feeds through the scheduler (batcher and instances). */
  run(feeds: Record<string, Tensor>, options?: SubmitOptions): Promise<Record<string, Tensor>> {
    return this.track(() => this.scheduler.submit(feeds, options));
  }

  /** Runs the plugin's worker step on its inputs through the scheduler: one request, one round trip. */
  runStep(feeds: Record<string, Tensor>, options?: SubmitOptions): Promise<Record<string, Tensor>> {
    return this.track(() => this.scheduler.submit(feeds, { ...options, outputs: undefined, step: true }));
  }

  private pluginOrThrow(): { plugin: ModelPlugin; ctx: PluginContext } {
    if (!this.plugin || !this.ctx)
      throw new GatewayError(
        'INVALID_INPUT',
        `model '${this.name}' has no plugin: send tensors to /v2/models/${this.name}/infer`,
      );
    return { plugin: this.plugin, ctx: this.ctx };
  }

  /**
   * Plugin items → model outputs: preprocess, then predict (default: one scheduled run). More items than
   * the model's maxBatchSize go through in chunks of that many, one after another (each chunk queues
   * behind other clients' requests, and only one chunk's tensors exist at a time); the chunks' outputs
   * are joined in order, so postprocess sees one output row per item as before.
   */
  private async runItems(items: unknown[], options?: SubmitOptions): Promise<Record<string, Tensor>> {
    const size = this.chunkItems;
    if (size < 1 || items.length <= size) return this.runChunk(items, options);
    // One deadline for the whole request, not one per chunk.
    const timeoutMs = options?.timeoutMs ?? this.timeoutMs;
    const until = performance.now() + timeoutMs;
    const parts: Array<Record<string, Tensor>> = [];
    for (let i = 0; i < items.length; i += size) {
      if (options?.signal?.aborted) throw new GatewayError('CANCELLED', 'the client went away');
      const left = until - performance.now();
      if (left <= 0) throw new GatewayError('TIMEOUT', `no answer within ${Math.round(timeoutMs)} ms`);
      parts.push(await this.runChunk(items.slice(i, i + size), { ...options, timeoutMs: left }));
    }
    return joinChunks(parts);
  }

  /** Preprocess, then the plugin's predict, else its worker step, else one run of the model. */
  private async runChunk(items: unknown[], options?: SubmitOptions): Promise<Record<string, Tensor>> {
    const { plugin, ctx } = this.pluginOrThrow();
    const feeds = await inSpan('massgate.preprocess', this.pluginAttributes(items.length), options?.trace, () =>
      plugin.preprocess(items, ctx),
    );
    const step = (f: Record<string, Tensor>) =>
      this.scheduler.submit(f, { ...options, outputs: undefined, step: true });
    if (plugin.predict) {
      const scoped: typeof ctx = {
        ...ctx,
        // A run that names no outputs gets those the caller asked for (fine-tuning asks for an internal feature).
        run: (f, outputs) => this.scheduler.submit(f, { ...options, outputs: outputs ?? options?.outputs }),
        ...(plugin.step ? { runStep: step } : {}),
      };
      return plugin.predict(feeds, scoped, items);
    }
    return plugin.step ? step(feeds) : this.scheduler.submit(feeds, options);
  }

  /**
   * Open Inference Protocol request → model outputs. Plugin models decode their v2 inputs to items and
   * preprocess them; tensor models pass the inputs straight through.
   */
  infer(inputs: Record<string, Tensor>, options?: SubmitOptions): Promise<Record<string, Tensor>> {
    return this.track(async () => {
      if (!this.plugin) return this.scheduler.submit(inputs, options);
      const { plugin, ctx } = this.pluginOrThrow();
      const items = await plugin.fromTensors(inputs, ctx);
      return this.runItems(items, { ...options, outputs: undefined });
    });
  }

  /** Friendly API: instances → one JSON prediction each. */
  predict(
    instances: readonly unknown[],
    parameters: Record<string, unknown>,
    options?: SubmitOptions,
  ): Promise<unknown[]> {
    return this.track(async () => {
      const { plugin, ctx } = this.pluginOrThrow();
      const items = await Promise.all(instances.map((i) => plugin.parseInstance(i, ctx)));
      const outputs = await this.runItems(items, options);
      return inSpanSync('massgate.postprocess', this.pluginAttributes(items.length), options?.trace, () =>
        plugin.postprocess(outputs, ctx, items, parameters),
      );
    });
  }

  /** The attributes of a plugin step's span. */
  private pluginAttributes(items: number): Record<string, string | number> {
    return { 'massgate.plugin': this.plugin?.name ?? '', 'massgate.items': items };
  }

  /** Class scores from model outputs, with the plugin's time segments when it tells them. */
  private scoresOf(outputs: Record<string, Tensor>, items: unknown[]): Scores {
    const scores = this.classScores(outputs, items);
    const segments = this.ctx && this.plugin?.segments?.(outputs, this.ctx, items);
    return segments ? { ...scores, segments } : scores;
  }

  /** The plugin's `scores`, else the first output as wide as the labels. */
  private classScores(outputs: Record<string, Tensor>, items: unknown[]): Scores {
    if (this.plugin?.scores && this.ctx) return this.plugin.scores(outputs, this.ctx, items);
    const labels = this.labels;
    if (!labels) throw new GatewayError('CONFIG_INVALID', `model '${this.name}' has no labels to vote with`);
    const t = Object.values(outputs).find((o) => o.datatype !== 'BYTES' && o.shape.at(-1) === labels.length);
    if (!t)
      throw new GatewayError(
        'CONFIG_INVALID',
        `model '${this.name}' has no output of width ${labels.length} (its label count)`,
      );
    const values = numbers(t);
    const rows = values.length / labels.length;
    return {
      labels,
      scores: Array.from({ length: rows }, (_, r) => values.slice(r * labels.length, (r + 1) * labels.length)),
    };
  }

  /**
   * Plugin items → the model's `feature` output (an internal layer or node: the embedding a fine-tuned
   * head is trained on) and, with `withScores` when the model has labels, its class scores on the same
   * items (the model's own outputs are then computed too). Runs through
   * the scheduler in maxBatchSize chunks like any request, so it batches with and yields to live traffic.
   */
  embed(
    items: unknown[],
    feature: string,
    withScores: boolean,
    options?: SubmitOptions,
  ): Promise<{ features: Tensor; scores?: Scores }> {
    return this.track(async () => {
      const own = withScores && this.labels ? this.modelOutputs.map((o) => o.name).filter((n) => n !== feature) : [];
      const outputs = await this.runItems(items, { ...options, outputs: [feature, ...own] });
      const { [feature]: features, ...rest } = outputs;
      if (!features) throw new GatewayError('INFERENCE_FAILED', `model '${this.name}' returned no '${feature}' output`);
      let scores: Scores | undefined;
      try {
        scores = own.length ? this.scoresOf(rest, items) : undefined;
      } catch {
        scores = undefined; // no scores to compare with: the gate then judges the candidate alone
      }
      return { features, ...(scores ? { scores } : {}) };
    });
  }

  scoreInstances(instances: readonly unknown[], options?: SubmitOptions): Promise<Scores> {
    return this.track(async () => {
      const { plugin, ctx } = this.pluginOrThrow();
      const items = await Promise.all(instances.map((i) => plugin.parseInstance(i, ctx)));
      return this.scoresOf(await this.runItems(items, options), items);
    });
  }

  scoreTensors(inputs: Record<string, Tensor>, options?: SubmitOptions): Promise<Scores> {
    return this.track(async () => {
      if (!this.plugin) return this.scoresOf(await this.scheduler.submit(inputs, options), []);
      const { plugin, ctx } = this.pluginOrThrow();
      const items = await plugin.fromTensors(inputs, ctx);
      return this.scoresOf(await this.runItems(items, options), items);
    });
  }

  /** Stops taking requests, waits for in-flight ones, then frees the instances. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.inflight > 0) await new Promise<void>((r) => (this.idle = r));
      await this.scheduler.drain();
      await Promise.all(this.sessions.map((s) => s.dispose()));
      this.onClose?.();
    })();
    return this.closing;
  }
}
