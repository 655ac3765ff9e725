import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { postJson, startGateway, type RunningGateway } from '../support/gateway.ts';
import { tempStore, tinyClassifier, writeModel } from '../support/tiny-models.ts';
import { traceInMemory, type InMemoryTracing } from '../support/tracing.ts';
import { activeTracer } from '../../gateway/telemetry/spans.ts';
import { captureLogs } from '../support/logs.ts';

const LABELS = ['cat', 'dog', 'bird'];
const x = (...rows: number[][]) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [rows.length, 3], data: rows }] });

const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
/** The one child of `parent` named `name`. */
const childOf = (spans: ReadableSpan[], parent: ReadableSpan, name: string): ReadableSpan => {
  const found = childrenOf(spans, parent).filter((s) => s.name === name);
  expect(found, `${parent.name} → ${name}`).toHaveLength(1);
  return found[0]!;
};
/** The server span of the request whose response carried `traceresponse`. */
const serverSpanOf = (spans: ReadableSpan[], traceresponse: string | null): ReadableSpan => {
  const [, traceId, spanId] = (traceresponse ?? '').split('-');
  const found = spans.filter((s) => s.spanContext().traceId === traceId && s.spanContext().spanId === spanId);
  expect(found).toHaveLength(1);
  expect(found[0]!.kind).toBe(SpanKind.SERVER);
  return found[0]!;
};

async function infer(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
}

describe('OpenTelemetry traces through the cache, the batcher and the workers (in-memory exporter)', () => {
  let tracing: InMemoryTracing;
  let gw: RunningGateway;
  const logs = captureLogs();
  beforeAll(async () => {
    const store = tempStore();
    // Four one-row requests fill a batch at once; a request alone waits 10 s for companions.
    writeModel(store, 'batched', 1, tinyClassifier(), {
      labels: LABELS,
      batching: { maxBatchSize: 4, maxQueueDelayMs: 10_000, queueDelay: 'fixed' },
      cache: { ttlSeconds: 600 },
    });
    writeModel(store, 'plain', 1, tinyClassifier(), { labels: LABELS, batching: { maxBatchSize: 0 } });
    writeModel(store, 'a', 1, tinyClassifier([0, 1, 2]), { labels: LABELS });
    writeModel(store, 'b', 1, tinyClassifier([2, 1, 0]), { labels: ['Bird', 'Dog', 'Cat'] });
    mkdirSync(join(store, 'ens'));
    writeFileSync(
      join(store, 'ens', 'config.json'),
      JSON.stringify({ ensemble: { members: ['a', 'b'], strategy: 'soft' } }),
    );
    tracing = await traceInMemory(); // before the gateway is built
    gw = await startGateway({ MODEL_STORE: store });
  });
  afterAll(async () => {
    await gw?.close();
    await tracing?.stop();
  });
  beforeEach(() => tracing.exporter.reset());

  it('four concurrent requests: HTTP → cache → queue each, one batch span linked to all four, a worker run under it', async () => {
    const rows = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [1, 1, 0],
    ];
    const answers = await Promise.all(rows.map((r) => infer(`${gw.url}/v2/models/batched/infer`, x(r))));
    for (const a of answers) expect(a.status).toBe(200);
    const spans = tracing.spans();
    const [batch, ...moreBatches] = named(spans, 'massgate.batch');
    expect(moreBatches).toEqual([]);
    expect(batch!.attributes).toMatchObject({
      'massgate.model.name': 'batched',
      'massgate.model.version': '1',
      'massgate.batch.size': 4,
      'massgate.batch.requests': 4,
    });
    const worker = childOf(spans, batch!, 'massgate.worker.run');
    expect(worker.attributes).toMatchObject({
      'massgate.worker.kind': 'run',
      'massgate.runtime.name': 'onnx',
      'massgate.batch.size': 4,
    });
    expect(worker.attributes['massgate.worker.thread_id']).toBeGreaterThan(0);
    expect(worker.attributes['massgate.worker.compute_ms']).toBeGreaterThanOrEqual(0);

    const queues: ReadableSpan[] = [];
    for (const a of answers) {
      const server = serverSpanOf(spans, a.headers.get('traceresponse'));
      expect(server.name).toBe('POST /v2/models/:name/infer');
      expect(server.attributes).toMatchObject({
        'http.request.method': 'POST',
        'http.route': '/v2/models/:name/infer',
        'url.path': '/v2/models/batched/infer',
        'http.response.status_code': 200,
        'massgate.model.name': 'batched',
        'massgate.model.version': '1',
        'massgate.cache.source': 'computed',
      });
      const cache = childOf(spans, server, 'massgate.cache');
      expect(cache.attributes['massgate.cache.source']).toBe('computed');
      const queue = childOf(spans, cache, 'massgate.queue');
      expect(queue.attributes).toMatchObject({ 'massgate.model.name': 'batched', 'massgate.rows': 1 });
      // Each request's queue span links to the batch that served it.
      expect(queue.links.map((l) => l.context.spanId)).toEqual([batch!.spanContext().spanId]);
      childOf(spans, cache, 'massgate.postprocess');
      queues.push(queue);
    }
    // The batch links to each request it merged (its queue span), with the request's rows.
    expect(batch!.links.map((l) => l.context.spanId).sort()).toEqual(queues.map((q) => q.spanContext().spanId).sort());
    for (const l of batch!.links) expect(l.attributes).toEqual({ 'massgate.rows': 1 });
    // It is the child of one of them (the first), so that a sampled request keeps its batch.
    expect(queues.map((q) => q.parentSpanContext?.spanId)).toContain(batch!.parentSpanContext?.spanId);
  });

  it('a repeat is answered from the cache: a byte-identical one by the exact tier, an equal one by a cache span', async () => {
    const repeat = await infer(`${gw.url}/v2/models/batched/infer`, x([1, 0, 0])); // the first test's bytes
    let spans = tracing.spans();
    const exact = serverSpanOf(spans, repeat.headers.get('traceresponse'));
    expect(exact.attributes).toMatchObject({ 'massgate.cache.source': 'memory', 'massgate.cache.tier': 'exact' });
    expect(childrenOf(spans, exact)).toEqual([]); // no span of its own on the cheapest path
    // The same request in other bytes (a parameter that does not change the answer): a look-up by the cache key.
    tracing.exporter.reset();
    const equal = await infer(`${gw.url}/v2/models/batched/infer`, { ...x([1, 0, 0]), parameters: { priority: 1 } });
    expect(equal.headers.get('massgate-cache')).toBe('memory');
    spans = tracing.spans();
    const server = serverSpanOf(spans, equal.headers.get('traceresponse'));
    expect(server.attributes['massgate.cache.tier']).toBeUndefined();
    const cache = childOf(spans, server, 'massgate.cache');
    expect(cache.attributes).toMatchObject({ 'massgate.cache.source': 'memory', 'massgate.model.name': 'batched' });
    expect(named(spans, 'massgate.queue')).toEqual([]);
  });

  it('an error sets status ERROR with its code: a request that times out in the queue', async () => {
    const r = await infer(`${gw.url}/v2/models/batched/infer`, {
      ...x([5, 5, 5]),
      parameters: { cache: false, timeout_ms: 100 },
    });
    expect(r.status).toBe(504);
    const spans = tracing.spans();
    const server = serverSpanOf(spans, r.headers.get('traceresponse'));
    expect(server.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TIMEOUT' });
    expect(server.attributes).toMatchObject({ 'http.response.status_code': 504, 'error.type': 'TIMEOUT' });
    expect(childrenOf(spans, server).map((s) => s.name)).toEqual(['massgate.queue']); // cache: false skips the cache
    const queue = childOf(spans, server, 'massgate.queue');
    expect(queue.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TIMEOUT' });
    expect(named(spans, 'massgate.batch')).toEqual([]);
    // A 4xx is the client's: `error.type` names it, the status stays unset (HTTP semantic conventions).
    const missing = await infer(`${gw.url}/v2/models/nope/infer`, x([1, 0, 0]));
    const notFound = serverSpanOf(tracing.spans(), missing.headers.get('traceresponse'));
    expect(notFound.attributes).toMatchObject({ 'http.response.status_code': 404, 'error.type': 'MODEL_NOT_FOUND' });
    expect(notFound.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a model that does not batch: the worker run is a child of the request, beside its queue span', async () => {
    const r = await infer(`${gw.url}/v2/models/plain/infer`, x([1, 2, 3]));
    expect(r.status).toBe(200);
    const spans = tracing.spans();
    const server = serverSpanOf(spans, r.headers.get('traceresponse'));
    expect(server.attributes['massgate.cache.source']).toBe('off');
    expect(childOf(spans, server, 'massgate.queue').links).toEqual([]);
    expect(childOf(spans, server, 'massgate.worker.run').attributes['massgate.batch.size']).toBe(1);
    expect(named(spans, 'massgate.batch')).toEqual([]);
  });

  it('an ensemble request shows a span per member, each with its own queue and run', async () => {
    const r = await infer(`${gw.url}/v2/models/ens/infer`, x([4, 0, 0]));
    expect(r.status).toBe(200);
    const spans = tracing.spans();
    const server = serverSpanOf(spans, r.headers.get('traceresponse'));
    expect(server.attributes['massgate.model.name']).toBe('ens');
    const members = childrenOf(spans, server).filter((s) => s.name === 'massgate.ensemble.member');
    expect(members.map((m) => m.attributes['massgate.model.name']).sort()).toEqual(['a', 'b']);
    for (const m of members) {
      expect(m.attributes['massgate.ensemble']).toBe('ens');
      const queue = childOf(spans, m, 'massgate.queue');
      expect(queue.attributes['massgate.model.name']).toBe(m.attributes['massgate.model.name']);
      // a and b batch by default: the member's batch span (its child) holds the worker run.
      const batch = childOf(spans, m, 'massgate.batch');
      childOf(spans, batch, 'massgate.worker.run');
    }
  });

  it('an A/B-routed request carries its experiment and variant; a shadow copy is a span of its trace', async () => {
    const created = await postJson(`${gw.url}/v1/experiments`, {
      name: 'ab',
      variants: [
        { name: 'left', target: 'a' },
        { name: 'right', target: 'b' },
        { name: 'mirror', target: 'plain', shadow: true },
      ],
    });
    expect(created.status).toBe(201);
    const r = await infer(`${gw.url}/v2/models/ab/infer`, x([1, 0, 0]), { 'x-user-id': 'u1' });
    expect(r.status).toBe(200);
    const variant = r.headers.get('massgate-variant')!;
    expect(['left', 'right']).toContain(variant);
    const server = serverSpanOf(tracing.spans(), r.headers.get('traceresponse'));
    expect(server.attributes).toMatchObject({
      'massgate.experiment': 'ab',
      'massgate.variant': variant,
      'massgate.model.name': variant === 'left' ? 'a' : 'b',
    });
    await vi.waitUntil(() => named(tracing.spans(), 'massgate.shadow').length === 1, { timeout: 10_000, interval: 5 });
    const shadow = named(tracing.spans(), 'massgate.shadow')[0]!;
    expect(shadow.spanContext().traceId).toBe(server.spanContext().traceId);
    expect(shadow.attributes).toMatchObject({ 'massgate.experiment': 'ab', 'massgate.variant': 'mirror' });
  });

  it("an incoming traceparent makes the server span its child, in the caller's trace, and its access line says so", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const r = await infer(`${gw.url}/v2/models/plain/infer`, x([1, 2, 3]), {
      traceparent: `00-${traceId}-${parentId}-01`,
      tracestate: 'vendor=x',
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('traceresponse')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const spans = tracing.spans();
    const server = serverSpanOf(spans, r.headers.get('traceresponse'));
    expect(server.parentSpanContext).toMatchObject({ traceId, spanId: parentId, isRemote: true });
    expect(server.spanContext().traceState?.get('vendor')).toBe('x');
    // Every span of the request is in that trace.
    for (const name of ['massgate.queue', 'massgate.worker.run'])
      expect(childOf(spans, server, name).spanContext().traceId).toBe(traceId);
    // The access log line carries the server span's ids (from the request's trace context).
    const access = logs.read().filter((l) => l.msg === 'request');
    expect(access).toEqual([
      expect.objectContaining({
        path: '/v2/models/plain/infer',
        trace_id: traceId,
        span_id: server.spanContext().spanId,
      }),
    ]);
  });

  it('a request whose trace is not sampled starts its server span only: no child span is started', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const started = vi.spyOn(activeTracer()!, 'startSpan');
    try {
      const headers = { traceparent: `00-${traceId}-b7ad6b7169203331-00` };
      // A plain model, an ensemble (members, their batches), and a full batch through the cache (four new rows).
      const answers = [
        await infer(`${gw.url}/v2/models/plain/infer`, x([7, 0, 1]), headers),
        await infer(`${gw.url}/v2/models/ens/infer`, x([7, 0, 1]), headers),
        ...(await Promise.all(
          [7, 8, 9, 10].map((v) => infer(`${gw.url}/v2/models/batched/infer`, x([v, 0, 1]), headers)),
        )),
      ];
      for (const r of answers) {
        expect(r.status).toBe(200);
        expect(r.headers.get('traceresponse')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
      }
      // One span started per request (its server span, not recording); none below it: no cache, queue, batch, run.
      expect(started.mock.calls.map((call) => call[0])).toEqual(Array(6).fill('POST'));
      expect(tracing.spans()).toEqual([]);
      // Its access lines still carry its trace id.
      const access = logs.read().filter((l) => l.msg === 'request');
      expect(access.map((l) => l.trace_id)).toEqual(Array(6).fill(traceId));
    } finally {
      started.mockRestore();
    }
  });
});
