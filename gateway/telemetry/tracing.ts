import { diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import type { Sampler, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { GatewayError } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import { PACKAGE_VERSION } from '../../core/package-root.ts';
import type { TracingConfig } from '../config.ts';
import { bindTracer } from './spans.ts';

/** The longest shutdown waits for buffered spans to be exported: a collector that does not answer holds no exit. */
const FLUSH_TIMEOUT_MS = 2_000;

/** Tracing as installed in this process. */
export interface Tracing {
  /** True when spans are made (the SDK is loaded and registered). */
  readonly on: boolean;
  /**
   * Exports what is buffered (waiting at most FLUSH_TIMEOUT_MS) and uninstalls: no more spans, the API's globals
   * are released (tracing may be installed again). Idempotent.
   */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { on: false, shutdown: async () => {} };

let installed: Tracing | undefined;

/** What `installTracing` registers. */
interface InstallOptions {
  /** Where ended spans go: a BatchSpanProcessor in production, a SimpleSpanProcessor over an in-memory exporter in tests. */
  spanProcessors: SpanProcessor[];
  /** Which traces are kept (default: the SDK's, parent-based always-on). */
  sampler?: Sampler;
  /** `service.name` (default "massgate"). */
  serviceName?: string;
}

const within = (work: Promise<unknown>, ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    work.then(done, done);
  });

/**
 * Installs a tracer provider for the whole process: the SDK's BasicTracerProvider with `spanProcessors` and the W3C
 * trace-context propagator (`traceparent`, `tracestate`), registered with `@opentelemetry/api` so that every layer's
 * spans reach it. No context manager is registered (the API's default stays: `context.active()` is ROOT_CONTEXT): the
 * gateway passes each span's parent explicitly (spans.ts), which spares every promise the cost of async hooks. The
 * SDK is imported here, on the first call, never before. One installation at a time (CONFIG_INVALID otherwise).
 *
 * @example
 * // a test: every ended span in memory
 * const { InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
 * const exporter = new InMemorySpanExporter();
 * const tracing = await installTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
 */
export async function installTracing(o: InstallOptions): Promise<Tracing> {
  if (installed) throw new GatewayError('CONFIG_INVALID', 'tracing is already installed in this process');
  const [{ BasicTracerProvider }, { W3CTraceContextPropagator }, resources] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
  ]);
  if (installed) throw new GatewayError('CONFIG_INVALID', 'tracing is already installed in this process');
  const provider = new BasicTracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': o.serviceName ?? 'massgate',
      'service.version': PACKAGE_VERSION,
    }),
    spanProcessors: o.spanProcessors,
    ...(o.sampler ? { sampler: o.sampler } : {}),
  });
  const registered = [
    trace.setGlobalTracerProvider(provider),
    propagation.setGlobalPropagator(new W3CTraceContextPropagator()),
  ];
  if (registered.includes(false)) log.warn('tracing: another OpenTelemetry set-up is registered in this process');
  bindTracer(provider.getTracer('massgate', PACKAGE_VERSION));
  let done: Promise<void> | undefined;
  const handle: Tracing = {
    on: true,
    shutdown() {
      done ??= (async () => {
        bindTracer(undefined);
        await within(provider.shutdown(), FLUSH_TIMEOUT_MS);
        trace.disable();
        propagation.disable();
        diag.disable();
        installed = undefined;
      })();
      return done;
    },
  };
  installed = handle;
  return handle;
}

/** Export failures and dropped spans reach the log, once a minute at most (a collector that is down says so). */
function reportSdkTrouble(): void {
  let last = -Infinity;
  let suppressed = 0;
  const report = (message: string, ...args: unknown[]) => {
    const now = Date.now();
    if (now - last < 60_000) return void suppressed++;
    const detail = args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
    log.warn('tracing: span export trouble', { error: `${message} ${detail}`.trim(), suppressed });
    last = now;
    suppressed = 0;
  };
  const quiet = () => {};
  diag.setLogger({ error: report, warn: report, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN);
}

/**
 * Starts tracing as configured (gateway/config.ts `tracing`). `off` returns at once and imports nothing: the code's
 * spans stay the API's no-ops. `otlp` batches spans in the background to the OTLP/HTTP exporter (imported only then;
 * with no collector listening, exports fail in the background and are logged, requests never wait); `none` batches
 * them to an exporter that drops them (what tracing costs, without a collector).
 *
 * @example
 * const tracing = await startTracing(config.tracing);
 * // … on exit:
 * await tracing.shutdown();
 */
export async function startTracing(config: TracingConfig): Promise<Tracing> {
  if (config.mode === 'off') return OFF;
  const [sdk, { ExportResultCode }] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/core'),
  ]);
  const exporter: SpanExporter =
    config.mode === 'otlp'
      ? new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(
          config.url ? { url: config.url } : {},
        )
      : { export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => {} };
  const base =
    config.sampler === 'always_on' || config.sampler === 'parentbased_always_on'
      ? new sdk.AlwaysOnSampler()
      : config.sampler === 'always_off' || config.sampler === 'parentbased_always_off'
        ? new sdk.AlwaysOffSampler()
        : new sdk.TraceIdRatioBasedSampler(config.ratio);
  const sampler = config.sampler.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root: base }) : base;
  const tracing = await installTracing({
    spanProcessors: [new sdk.BatchSpanProcessor(exporter)],
    sampler,
    serviceName: config.serviceName,
  });
  reportSdkTrouble();
  return tracing;
}
