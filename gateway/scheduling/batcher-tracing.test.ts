import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { BatchingSchema } from '../../model-store/schema.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import type { Tensor } from '../../core/tensor.ts';
import { traceInMemory, type InMemoryTracing } from '../../test/support/tracing.ts';
import { activeTracer } from '../telemetry/spans.ts';
import { createScheduler } from './batcher.ts';

/** An instance that returns `x` ([rows, 2]) as `y`; `hold()` makes runs wait until `release()`. */
function instance() {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const session: RuntimeSession = {
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
    provider: 'test',
    async run(feeds) {
      if (gate) await gate;
      const t = feeds.x!;
      const y: Tensor = {
        name: 'y',
        datatype: 'FP32',
        shape: t.shape,
        data: Float32Array.from(t.data as Float32Array),
      };
      return { y };
    },
    async dispose() {},
  };
  return {
    session,
    hold() {
      gate = new Promise((r) => (open = r));
    },
    release() {
      gate = undefined;
      open?.();
    },
  };
}

const rows = (n: number): Tensor => ({ name: 'x', datatype: 'FP32', shape: [n, 2], data: new Float32Array(n * 2) });
const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
const ATTRS = { 'massgate.model.name': 'm', 'massgate.model.version': '1' };

describe('the batcher with tracing on', () => {
  let tracing: InMemoryTracing;
  beforeAll(async () => {
    tracing = await traceInMemory();
  });
  afterAll(() => tracing.stop());
  beforeEach(() => tracing.exporter.reset());

  /** Runs `work` with a request span's context, as the HTTP layer passes it, and returns that span's id. */
  const underRequest = async (work: (trace: Context) => Promise<unknown>) => {
    const span = activeTracer()!.startSpan('request');
    await work(trace.setSpan(ROOT_CONTEXT, span)).catch(() => undefined);
    span.end();
    return span.spanContext().spanId;
  };

  it('a request larger than maxBatchSize queues one span per chunk, each in its own batch', async () => {
    const s = createScheduler(
      [instance().session],
      BatchingSchema.parse({ maxBatchSize: 4, maxQueueDelayMs: 0 }),
      {},
      ATTRS,
    );
    const request = await underRequest((trace) => s.submit({ x: rows(6) }, { trace }));
    const spans = tracing.spans();
    const queues = named(spans, 'massgate.queue');
    expect(queues.map((q) => [q.attributes['massgate.chunk'], q.attributes['massgate.rows']])).toEqual([
      [0, 4],
      [1, 2],
    ]);
    for (const q of queues) {
      expect(q.parentSpanContext?.spanId).toBe(request); // the second chunk queues from the dispatch, not a request
      expect(q.attributes).toMatchObject({ ...ATTRS, 'massgate.chunks': 2, 'massgate.priority': 1 });
    }
    const batches = named(spans, 'massgate.batch');
    expect(batches.map((b) => b.attributes['massgate.batch.size'])).toEqual([4, 2]);
    expect(batches.map((b) => b.links.map((l) => l.context.spanId))).toEqual(
      queues.map((q) => [q.spanContext().spanId]),
    );
  });

  it('a request given up in the queue ends its queue span with the error code, and no batch is traced', async () => {
    const i = instance();
    const s = createScheduler([i.session], BatchingSchema.parse({ maxBatchSize: 4, maxQueueDelayMs: 0 }), {}, ATTRS);
    i.hold();
    const busy = s.submit({ x: rows(4) }); // a full batch holds the only instance
    const controller = new AbortController();
    await underRequest(async (trace) => {
      const waiting = s.submit({ x: rows(1) }, { signal: controller.signal, trace });
      controller.abort();
      await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    });
    i.release();
    await busy;
    const cancelled = named(tracing.spans(), 'massgate.queue').find((q) => q.attributes['massgate.rows'] === 1)!;
    expect(cancelled.status).toEqual({ code: SpanStatusCode.ERROR, message: 'CANCELLED' });
    expect(cancelled.attributes['error.type']).toBe('CANCELLED');
    expect(cancelled.links).toEqual([]);
  });

  it('a batch that fails ends its span with the error code', async () => {
    const failing: RuntimeSession = {
      ...instance().session,
      run: async () => {
        throw Object.assign(new Error('boom'), { name: 'GatewayError', code: 'INFERENCE_FAILED' });
      },
    };
    const s = createScheduler([failing], BatchingSchema.parse({ maxBatchSize: 4, maxQueueDelayMs: 0 }), {}, ATTRS);
    await underRequest((trace) => s.submit({ x: rows(4) }, { trace }));
    const [batch] = named(tracing.spans(), 'massgate.batch');
    expect(batch!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'INFERENCE_FAILED' });
  });

  it('requests whose trace is not sampled make no batch span', async () => {
    const s = createScheduler(
      [instance().session],
      BatchingSchema.parse({ maxBatchSize: 4, maxQueueDelayMs: 0 }),
      {},
      ATTRS,
    );
    // A caller's traceparent with the sampled flag off: the parent-based sampler drops the whole trace.
    const unsampled = trace.wrapSpanContext({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 0,
    });
    await s.submit({ x: rows(4) }, { trace: trace.setSpan(ROOT_CONTEXT, unsampled) });
    expect(tracing.spans()).toEqual([]);
    await underRequest((trace) => s.submit({ x: rows(4) }, { trace })); // and sampled, it does
    expect(named(tracing.spans(), 'massgate.batch')).toHaveLength(1);
  });
});
