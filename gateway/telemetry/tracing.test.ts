import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { loadConfig } from '../config.ts';
import { activeTracer, inSpan } from './spans.ts';
import { startTracing, type Tracing } from './tracing.ts';

/** The SDK packages tracing loads: CommonJS, so a load shows in the module cache. */
const SDK = [
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/sdk-trace/',
  '@opentelemetry/context-async-hooks',
  '@opentelemetry/core',
  '@opentelemetry/resources',
  '@opentelemetry/exporter-trace-otlp-http',
];
const loaded = () => {
  const cached = Object.keys(createRequire(import.meta.url).cache);
  return SDK.filter((p) => cached.some((f) => f.includes(`/node_modules/${p}`)));
};

// One file, in this order: "off" must run before anything in this process loads the SDK.
describe('tracing set-up', () => {
  let tracing: Tracing | undefined;
  afterEach(async () => {
    await tracing?.shutdown();
    tracing = undefined;
  });

  it('is off by default: no SDK module is loaded, no tracer is bound, spans are not made', async () => {
    tracing = await startTracing(loadConfig({}).tracing);
    expect(tracing.on).toBe(false);
    expect(activeTracer()).toBeUndefined();
    let seen: unknown = 'not run';
    const result = await inSpan('massgate.test', {}, ROOT_CONTEXT, async (child, span) => {
      seen = span;
      return trace.getSpan(child!);
    });
    expect(seen).toBeUndefined();
    expect(result).toBeUndefined();
    expect(loaded()).toEqual([]);
  });

  it('TRACING=none loads the SDK but no exporter, and makes recording spans that pass their context down', async () => {
    tracing = await startTracing(loadConfig({ TRACING: 'none' }).tracing);
    expect(tracing.on).toBe(true);
    expect(loaded()).toContain('@opentelemetry/sdk-trace-base');
    expect(loaded()).not.toContain('@opentelemetry/exporter-trace-otlp-http');
    const [outer, recording, inner] = await inSpan('outer', {}, ROOT_CONTEXT, async (child, span) => [
      span,
      span?.isRecording(),
      await inSpan('inner', {}, child, async (_, s) => s),
    ]);
    expect(recording).toBe(true);
    expect(inner).toBeDefined();
    expect(inner).not.toBe(outer);
    expect((inner as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId).toBe(
      (outer as typeof inner)?.spanContext().spanId,
    );
    await tracing.shutdown();
    expect(activeTracer()).toBeUndefined();
    expect(trace.getSpan(context.active())).toBeUndefined();
  });

  it('registers no context manager (the active context stays ROOT); an unsampled parent gets no child span', async () => {
    tracing = await startTracing(loadConfig({ TRACING: 'none' }).tracing);
    const seen = await inSpan('outer', {}, ROOT_CONTEXT, async (child) => {
      await Promise.resolve();
      return { active: context.active(), child };
    });
    expect(seen.child).not.toBe(ROOT_CONTEXT);
    expect(seen.active).toBe(ROOT_CONTEXT);
    expect(trace.getActiveSpan()).toBeUndefined();
    // A request not sampled: its parent's span is not recording, so a step starts no span and builds no context.
    const unsampled = trace.setSpan(
      ROOT_CONTEXT,
      trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 0 }),
    );
    const started = vi.spyOn(activeTracer()!, 'startSpan');
    const passed = await inSpan('step', {}, unsampled, async (child, span) => ({ child, span }));
    expect(passed).toEqual({ child: unsampled, span: undefined });
    expect(started).not.toHaveBeenCalled();
  });

  it('OTLP: spans reach the collector in the background, with the service name; with none listening, nothing waits', async () => {
    const bodies: string[] = [];
    let arrived: () => void;
    const got = new Promise<void>((r) => (arrived = r));
    const collector = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(`${req.method} ${req.url} ${Buffer.concat(chunks).toString('utf8')}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        arrived();
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const { port } = collector.address() as AddressInfo;
    try {
      tracing = await startTracing(
        loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'gw-test' }).tracing,
      );
      expect(loaded()).toContain('@opentelemetry/exporter-trace-otlp-http');
      await inSpan('massgate.exported', { 'massgate.model.name': 'm' }, ROOT_CONTEXT, async () => {});
      await tracing.shutdown(); // flushes the batch
      await got;
      expect(bodies[0]).toMatch(/^POST \/v1\/traces /);
      expect(bodies[0]).toContain('massgate.exported');
      expect(bodies[0]).toContain('gw-test');
    } finally {
      await new Promise((r) => collector.close(r));
    }
    // The same collector, gone: a span still ends at once and shutdown still returns.
    tracing = await startTracing(
      loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces` }).tracing,
    );
    expect(await inSpan('massgate.lost', {}, ROOT_CONTEXT, async (_, span) => span?.isRecording())).toBe(true);
    await tracing.shutdown();
  });

  it('samplers: always_off makes no recording span, traceidratio 0 neither', async () => {
    for (const env of [
      { OTEL_TRACES_SAMPLER: 'always_off' },
      { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' },
    ]) {
      tracing = await startTracing(loadConfig({ TRACING: 'none', ...env }).tracing);
      expect(await inSpan('s', {}, ROOT_CONTEXT, async (_, span) => span?.isRecording())).toBe(false);
      await tracing.shutdown();
    }
    tracing = await startTracing(
      loadConfig({ TRACING: 'none', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' }).tracing,
    );
    expect(await inSpan('s', {}, ROOT_CONTEXT, async (_, span) => span?.isRecording())).toBe(true);
  });
});
