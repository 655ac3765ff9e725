import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { installTracing, type Tracing } from '../../gateway/telemetry/tracing.ts';

export interface InMemoryTracing {
  exporter: InMemorySpanExporter;
  /** Every span ended so far. */
  spans(): ReadableSpan[];
  /** Uninstalls (call it after the gateway is closed). */
  stop(): Promise<void>;
}

/**
 * Installs tracing for this test process with every ended span kept in memory (an InMemorySpanExporter behind a
 * SimpleSpanProcessor: a span is there as soon as it ends). Install it before the gateway is built: the server span's
 * middleware is mounted only when tracing is on.
 *
 * @example
 * const tracing = await traceInMemory();
 * const gw = await startGateway({ MODEL_STORE: store });
 * // … requests …
 * expect(tracing.spans().map((s) => s.name)).toContain('massgate.queue');
 */
export async function traceInMemory(): Promise<InMemoryTracing> {
  const { InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const exporter = new InMemorySpanExporter();
  const tracing: Tracing = await installTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, spans: () => exporter.getFinishedSpans(), stop: () => tracing.shutdown() };
}
