import { afterAll, describe, expect, it, vi } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setLogDestination } from '../../core/log.ts';
import { getJson, postJson, startGateway, startWithModel, useGateway } from '../support/gateway.ts';
import { scaleSumModel, tempStore, writeModel } from '../support/tiny-models.ts';

const request = (rows: number, value = 1) => ({
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [rows, 4], data: Array(rows * 4).fill(value) },
    { name: 'ids', datatype: 'INT64', shape: [rows, 2], data: Array(rows * 2).fill(0) },
  ],
});

/** The value of one series in a /metrics text (0 when absent). */
const series = (text: string, name: string, labels: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
};
const answers = (text: string, method: string, route: string, status: number) =>
  series(
    text,
    'massgate_http_request_duration_seconds_count',
    `method="${method}",route="${route}",status="${status}"`,
  );

describe('Prometheus metrics at /metrics', () => {
  // Six requests of 2 rows fill a batch of 12, which leaves the moment it is full (a fixed delay holds the first
  // ones until then): one batch, whatever the timing.
  const gw = useGateway(() =>
    startWithModel('scale', scaleSumModel(), {
      batching: { maxBatchSize: 12, maxQueueDelayMs: 600_000, queueDelay: 'fixed' },
    }),
  );

  it('records requests by outcome, queue, compute, batch size and latency, and Node metrics under their own names', async () => {
    await Promise.all(Array.from({ length: 6 }, () => postJson(`${gw.url}/v2/models/scale/infer`, request(2))));
    const bad = await postJson(`${gw.url}/v2/models/scale/infer`, {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3] }],
    });
    expect(bad.status).toBe(400);
    const res = await fetch(`${gw.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(
      /massgate_inference_request_duration_seconds_count\{model="scale",version="1",outcome="success"\} 6/,
    );
    expect(text).toMatch(
      /massgate_inference_request_duration_seconds_count\{model="scale",version="1",outcome="INVALID_INPUT"\} 1/,
    );
    // One fact, one series: the histogram's _count is the request counter.
    expect(text).not.toMatch(/massgate_inference_request_(success|failure)_total/);
    expect(answers(text, 'POST', '/v2/models/:name/infer', 200)).toBe(6);
    expect(answers(text, 'POST', '/v2/models/:name/infer', 400)).toBe(1);
    expect(text).toMatch(/massgate_inference_queue_duration_seconds_count\{model="scale",version="1"\} 6/);
    const batches = Number(/massgate_inference_batch_size_count\{model="scale",version="1"\} (\d+)/.exec(text)?.[1]);
    const rows = Number(/massgate_inference_batch_size_sum\{model="scale",version="1"\} (\d+)/.exec(text)?.[1]);
    expect(rows).toBe(12);
    expect(batches).toBe(1); // the six concurrent requests were batched
    expect(text).toMatch(/massgate_inference_queue_depth\{model="scale",version="1"\} 0/);
    expect(text).toMatch(/massgate_inference_instances\{model="scale",version="1"\} 1/);
    // Node's default metrics keep their standard names, as stock dashboards expect them.
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(text).not.toMatch(/^massgate_(process|nodejs)_/m);
  });
});

/**
 * The crash-test runtime (a PLUGINS folder): its worker thread exits on the input value 42, and a run on 44
 * waits while `<model path>.hold` exists.
 */
const CRASH_RUNTIME = fileURLToPath(new URL('../fixtures/crash-runtime', import.meta.url));
const EXIT = 42;
const HOLD = 44;

describe('every answer is counted and logged, refusals before inference included', () => {
  const lines: string[] = [];
  let store = '';
  const gw = useGateway(async () => {
    setLogDestination({ write: (line: string) => void lines.push(line) });
    store = tempStore();
    writeModel(store, 'scale', 1, scaleSumModel());
    writeModel(store, 'cached', 1, scaleSumModel(), { cache: { ttlSeconds: 600 } });
    // One instance, held busy by a request on 44 while a file exists; the queue holds one: the next is refused (429).
    writeModel(store, 'held', 1, scaleSumModel(), {
      runtime: 'crash-test',
      instances: 1,
      batching: { maxBatchSize: 1, maxQueueSize: 1 },
    });
    // Dies on input 42 and is not restarted within the test: later requests are refused at once (503).
    writeModel(store, 'fragile', 1, scaleSumModel(), { runtime: 'crash-test', instances: 1 });
    return startGateway({
      MODEL_STORE: store,
      PLUGINS: CRASH_RUNTIME,
      LOG_LEVEL: 'info',
      BODY_LIMIT_MB: '0.05',
      WORKER_RESTART_BASE_MS: '3600000',
      WORKER_RESTART_MAX_MS: '3600000',
    });
  });
  afterAll(() => setLogDestination());

  /** The access log line of the request answered with `id`. */
  const accessLine = (id: string) => {
    const found = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request' && l.request_id === id);
    expect(found).toHaveLength(1);
    return found[0];
  };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('counts a 404, a 413, a 429 and a 503 by route pattern and status, and a health probe', async () => {
    const unknownModel = await postJson(`${gw.url}/v2/models/nope/infer`, request(1));
    expect(unknownModel.status).toBe(404);
    expect(unknownModel.headers.get('x-request-id')).toBeTruthy();
    expect((await fetch(`${gw.url}/no/such/route`)).status).toBe(404);

    const oversized = await post('/v2/models/scale/infer', JSON.stringify(request(1)).padEnd(100_000));
    expect(oversized.status).toBe(413);
    expect(oversized.headers.get('x-request-id')).toBeTruthy();

    const hold = join(store, 'held', '1', 'model.onnx.hold');
    writeFileSync(hold, '');
    const heldMetric = (name: string, value: number) =>
      vi.waitFor(
        async () =>
          expect(series(await (await fetch(`${gw.url}/metrics`)).text(), name, 'model="held",version="1"')).toBe(value),
        { timeout: 20_000, interval: 20 },
      );
    const running = postJson(`${gw.url}/v2/models/held/infer`, request(1, HOLD));
    await heldMetric('massgate_inference_queue_duration_seconds_count', 1); // left the queue: running, held
    const queued = postJson(`${gw.url}/v2/models/held/infer`, request(1));
    await heldMetric('massgate_inference_queue_depth', 1);
    const refused = await postJson(`${gw.url}/v2/models/held/infer`, request(1));
    expect([refused.status, refused.body.code]).toEqual([429, 'QUEUE_FULL']);
    expect(refused.headers.get('x-request-id')).toBeTruthy();
    rmSync(hold);
    expect([(await running).status, (await queued).status]).toEqual([200, 200]);

    const died = await postJson(`${gw.url}/v2/models/fragile/infer`, request(1, EXIT));
    expect([died.status, died.body.code]).toEqual([503, 'UNAVAILABLE']);
    const noInstance = await postJson(`${gw.url}/v2/models/fragile/infer`, request(1));
    // No live instance: refused before routing reaches the model, let alone its body.
    expect([noInstance.status, noInstance.body.code]).toEqual([503, 'MODEL_NOT_READY']);
    expect(noInstance.headers.get('x-request-id')).toBeTruthy();

    expect((await getJson(`${gw.url}/v2/health/live`)).status).toBe(200); // answered by the server's fast path

    const text = await (await fetch(`${gw.url}/metrics`)).text();
    const infer = '/v2/models/:name/infer';
    expect(answers(text, 'POST', infer, 404)).toBe(1);
    expect(answers(text, 'GET', 'unmatched', 404)).toBe(1);
    expect(answers(text, 'POST', infer, 413)).toBe(1);
    expect(answers(text, 'POST', infer, 429)).toBe(1);
    expect(answers(text, 'POST', infer, 503)).toBe(2);
    expect(answers(text, 'POST', infer, 200)).toBe(2);
    expect(answers(text, 'GET', '/v2/health/live', 200)).toBe(1);
    expect(answers(text, 'GET', '/metrics', 200)).toBeGreaterThan(0);
    // The raw path is no label: an unknown model is counted under its route's pattern.
    expect(text).not.toMatch(/route="\/v2\/models\/nope/);
  });

  it('writes one access line per request with its id: the client header, else the v2 `id`, else a fresh one', async () => {
    const body = { id: 'oip-42', ...request(1) };
    const withHeader = await post('/v2/models/scale/infer', body, { 'x-request-id': 'client-7.a' });
    expect(withHeader.status).toBe(200);
    expect(withHeader.headers.get('x-request-id')).toBe('client-7.a'); // the header wins over the body's id
    expect((await withHeader.json()).id).toBe('oip-42');
    const line = accessLine('client-7.a');
    expect(line).toMatchObject({
      level: 'info',
      method: 'POST',
      route: '/v2/models/:name/infer',
      path: '/v2/models/scale/infer',
      model: 'scale',
      version: '1',
      status: 200,
      bytes_in: JSON.stringify(body).length,
    });
    expect(new Date(line.time).toISOString()).toBe(line.time);
    expect(line.duration_ms).toBeGreaterThanOrEqual(0);
    expect(line).not.toHaveProperty('trace_id'); // tracing is off

    const fromBody = await post('/v2/models/scale/infer', body);
    expect(fromBody.headers.get('x-request-id')).toBe('oip-42');
    expect(accessLine('oip-42')).toMatchObject({ status: 200, model: 'scale' });

    // A byte-identical repeat is replayed from the cache before parsing: its id is still the body's.
    const first = await post('/v2/models/cached/infer', { id: 'oip-c', ...request(1) });
    const replay = await post('/v2/models/cached/infer', { id: 'oip-c', ...request(1) });
    expect(replay.headers.get('massgate-cache')).toBe('memory');
    expect([first, replay].map((r) => r.headers.get('x-request-id'))).toEqual(['oip-c', 'oip-c']);

    for (const bad of ['has space', 'x'.repeat(129), 'quote"d']) {
      const replaced = await post('/v2/models/scale/infer', request(1), { 'x-request-id': bad });
      const id = replaced.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(accessLine(id)).toMatchObject({ status: 200 });
    }

    // A client error is an info line with its code; a server error an error line with its code.
    const missing = await post('/v2/models/nope/infer', request(1), { 'x-request-id': 'missing-1' });
    expect(missing.status).toBe(404);
    expect(accessLine('missing-1')).toMatchObject({ level: 'info', status: 404, code: 'MODEL_NOT_FOUND' });
    const dead = await post('/v2/models/fragile/infer', request(1, EXIT), { 'x-request-id': 'dead-1' });
    expect(dead.status).toBe(503);
    expect(dead.headers.get('x-request-id')).toBe('dead-1');
    // (UNAVAILABLE when this request killed the instance, MODEL_NOT_READY when it was already dead.)
    expect(accessLine('dead-1')).toMatchObject({
      level: 'error',
      status: 503,
      code: expect.stringMatching(/^(UNAVAILABLE|MODEL_NOT_READY)$/),
    });

    // Health probes are logged at debug: not at LOG_LEVEL=info.
    const probe = await fetch(`${gw.url}/v2/health/live`, { headers: { 'x-request-id': 'probe-1' } });
    expect(probe.headers.get('x-request-id')).toBe('probe-1');
    expect(lines.some((l) => l.includes('"probe-1"'))).toBe(false);
  });
});
