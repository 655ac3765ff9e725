import { describe, expect, it, vi } from 'vitest';
import { connect, type Socket } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, useGateway } from '../support/gateway.ts';
import { scaleSumModel, tempStore, writeModel } from '../support/tiny-models.ts';

const ADMIN = 'admin-0123456789abcdef0123456789';
const INFER = 'infer-0123456789abcdef0123456789';
const OTHER_INFER = 'infer-other-0123456789abcdef0123';

const scaleRequest = (x: number) =>
  JSON.stringify({
    inputs: [
      { name: 'x', datatype: 'FP32', shape: [1, 4], data: [x, 1, 2, 3] },
      { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [1, 2] },
    ],
  });
/** The crash-test runtime (test/fixtures), loaded as operator-configured code through PLUGINS. */
const CRASH_RUNTIME = fileURLToPath(new URL('../fixtures/crash-runtime', import.meta.url));
const HOLD_ON = 44; // the crash-test runtime's run waits on this input while `<model>.hold` exists
const heldRequest = (v: number) =>
  JSON.stringify({
    inputs: [
      { name: 'x', datatype: 'FP32', shape: [1, 4], data: [v, v, v, v] },
      { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [1, 1] },
    ],
  });

async function call(
  url: string,
  path: string,
  o: { key?: string; header?: 'bearer' | 'x-api-key'; method?: string; body?: string; signal?: AbortSignal } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (o.key)
    headers[o.header === 'x-api-key' ? 'x-api-key' : 'authorization'] =
      o.header === 'x-api-key' ? o.key : `Bearer ${o.key}`;
  const res = await fetch(url + path, {
    method: o.method ?? (o.body ? 'POST' : 'GET'),
    headers,
    body: o.body ?? null,
    signal: o.signal ?? null,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text.startsWith('{') ? JSON.parse(text) : undefined };
}

describe('API keys and roles', () => {
  let store: string;
  const gw = useGateway(async () => {
    store = tempStore();
    writeModel(store, 'scale', 1, scaleSumModel(2));
    return startGateway({ MODEL_STORE: store, API_KEYS: `admin:${ADMIN},infer:${INFER}` });
  });

  it('answers health probes without a key', async () => {
    expect((await call(gw.url, '/v2/health/live')).body).toEqual({ live: true });
    expect((await call(gw.url, '/v2/health/ready')).status).toBe(200);
  });

  it('refuses a missing or unknown key with 401 and WWW-Authenticate: Bearer, never echoing it', async () => {
    for (const o of [
      {},
      { key: 'wrong-key-0123456789abcdef' },
      { key: INFER.slice(0, -1) },
      { key: `${INFER}x`, header: 'x-api-key' as const },
    ]) {
      const r = await call(gw.url, '/v2/models/scale/infer', { ...o, body: scaleRequest(1) });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('UNAUTHORIZED');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(r.text).not.toContain('0123456789abcdef');
    }
    const malformed = await fetch(`${gw.url}/v2/models/scale`, {
      headers: { authorization: `Basic ${Buffer.from(`u:${INFER}`).toString('base64')}` },
    });
    expect(malformed.status).toBe(401);
  });

  it('lets an infer key run inference and read metadata, by Bearer or x-api-key', async () => {
    const r = await call(gw.url, '/v2/models/scale/infer', { key: INFER, body: scaleRequest(1) });
    expect([r.status, r.body.outputs[0].data]).toEqual([200, [2, 2, 4, 6]]);
    expect((await call(gw.url, '/v2/models/scale', { key: INFER, header: 'x-api-key' })).status).toBe(200);
    expect((await call(gw.url, '/v2/models/scale/ready', { key: INFER })).status).toBe(200);
    expect((await call(gw.url, '/v1/models', { key: INFER })).status).toBe(200);
    expect((await call(gw.url, '/metrics', { key: INFER })).status).toBe(200);
    expect((await call(gw.url, '/metrics')).status).toBe(401);
  });

  it('refuses repository changes to an infer key with 403 and allows them to an admin key', async () => {
    for (const path of [
      '/v2/repository/index',
      '/v2/repository/models/scale/unload',
      '/v2/repository/models/scale/load',
    ]) {
      const r = await call(gw.url, path, { key: INFER, method: 'POST' });
      expect([path, r.status, r.body.code]).toEqual([path, 403, 'FORBIDDEN']);
      expect((await call(gw.url, path, { method: 'POST' })).status).toBe(401);
    }
    expect((await call(gw.url, '/v2/repository/models/scale/unload', { key: ADMIN, method: 'POST' })).status).toBe(200);
    expect((await call(gw.url, '/v2/models/scale/ready', { key: INFER })).status).not.toBe(200);
    expect((await call(gw.url, '/v2/repository/models/scale/load', { key: ADMIN, method: 'POST' })).status).toBe(200);
    expect((await call(gw.url, '/v2/models/scale/infer', { key: ADMIN, body: scaleRequest(0) })).status).toBe(200);
  });
});

describe('rate limits and the default deadline', () => {
  let hold: string;
  const gw = useGateway(async () => {
    const store = tempStore();
    writeModel(store, 'scale', 1, scaleSumModel(2));
    writeModel(store, 'slow', 1, scaleSumModel(2), {
      runtime: 'crash-test',
      instances: 1,
      batching: { maxBatchSize: 1 },
    });
    hold = join(store, 'slow', '1', 'model.onnx.hold');
    return startGateway({
      MODEL_STORE: store,
      PLUGINS: CRASH_RUNTIME,
      API_KEYS: `infer:${INFER},infer:${OTHER_INFER}`,
      RATE_LIMIT_RPS: '0.01',
      RATE_LIMIT_BURST: '3',
      INFER_TIMEOUT_MS: '1',
    });
  });

  it('refuses a key beyond its burst with 429 RATE_LIMITED and Retry-After, other keys and health unaffected', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(gw.url, '/v2/models/scale', { key: INFER })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await call(gw.url, '/v2/models/scale', { key: INFER });
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call(gw.url, '/v2/models/scale', { key: OTHER_INFER })).status).toBe(200);
    expect((await call(gw.url, '/v2/health/live')).status).toBe(200);
  });

  it('applies INFER_TIMEOUT_MS to an inference request that states no timeout', async () => {
    // A request with its own long timeout holds the only instance (until the hold file goes); the one with none waits
    // behind it past 1 ms.
    writeFileSync(hold, '');
    try {
      const stated = call(gw.url, '/v2/models/slow/infer', {
        key: OTHER_INFER,
        body: JSON.stringify({ ...JSON.parse(heldRequest(HOLD_ON)), parameters: { timeout_ms: 60_000 } }),
      });
      await vi.waitUntil(() => gw.server.inFlight >= 1, { timeout: 10_000, interval: 5 });
      const r = await call(gw.url, '/v2/models/slow/infer', { key: OTHER_INFER, body: heldRequest(1) });
      expect([r.status, r.body.code]).toEqual([504, 'TIMEOUT']);
      rmSync(hold);
      expect((await stated).status).toBe(200);
    } finally {
      rmSync(hold, { force: true });
    }
  });
});

describe('no keys configured', () => {
  it('serves without authentication on loopback (the only address it may bind without keys)', async () => {
    const store = tempStore();
    writeModel(store, 'scale', 1, scaleSumModel(2));
    const gw = await startGateway({ MODEL_STORE: store });
    try {
      expect((await call(gw.url, '/v2/repository/index', { method: 'POST' })).status).toBe(200);
      expect(gw.gateway.config.auth.keys).toHaveLength(0);
    } finally {
      await gw.close();
    }
  });
});

describe('response cache single-flight', () => {
  it('answers the other identical requests when the first one disconnects', async () => {
    const store = tempStore();
    writeModel(store, 'held', 1, scaleSumModel(), {
      runtime: 'crash-test',
      instances: 1,
      cache: { ttlSeconds: 60 },
      batching: { maxBatchSize: 1, maxQueueDelayMs: 0 },
    });
    const hold = join(store, 'held', '1', 'model.onnx.hold');
    writeFileSync(hold, '');
    const gw = await startGateway({ MODEL_STORE: store, PLUGINS: CRASH_RUNTIME });
    const path = '/v2/models/held/infer';
    const inFlight = (ok: (n: number) => boolean) =>
      vi.waitUntil(() => ok(gw.server.inFlight), { timeout: 10_000, interval: 5 });
    try {
      // A different request holds the only instance until the hold file goes, so the identical ones queue.
      const blocker = call(gw.url, path, { body: heldRequest(HOLD_ON) });
      await inFlight((n) => n >= 1);
      const first = new AbortController();
      const a = call(gw.url, path, { body: heldRequest(1), signal: first.signal }).catch((e: Error) => e.name);
      await inFlight((n) => n >= 2);
      const others: [ReturnType<typeof call>, ReturnType<typeof call>] = [
        call(gw.url, path, { body: heldRequest(1) }),
        call(gw.url, path, { body: heldRequest(1) }),
      ];
      await inFlight((n) => n >= 4);
      first.abort();
      expect(await a).toBe('AbortError');
      await inFlight((n) => n === 3); // the first client's request is gone
      rmSync(hold);
      const [b, c] = await Promise.all(others);
      expect([b.status, c.status, (await blocker).status]).toEqual([200, 200, 200]);
      expect([b.headers.get('massgate-cache'), c.headers.get('massgate-cache')]).toEqual(['shared', 'shared']); // they joined the first one's flight
      expect(b.body.outputs.find((o: { name: string }) => o.name === 'y').data).toEqual([2, 2, 2, 2]);
      expect(b.body.outputs).toEqual(c.body.outputs);
    } finally {
      rmSync(hold, { force: true });
      await gw.close();
    }
  });
});

describe('slow clients', () => {
  const gw = useGateway(async () => {
    const store = tempStore();
    writeModel(store, 'scale', 1, scaleSumModel(2));
    return startGateway({ MODEL_STORE: store, HEADERS_TIMEOUT_S: '0.5', REQUEST_TIMEOUT_S: '1' });
  });

  /**
   * A raw connection that sends `head` then one byte of `rest` every 50 ms; resolves with what the server sent once it
   * closes.
   */
  function trickle(head: string, rest: string): Promise<{ reply: string; sent: number }> {
    return new Promise((resolve) => {
      const { port } = new URL(gw.url);
      const s: Socket = connect(Number(port), '127.0.0.1');
      let reply = '';
      let sent = 0;
      s.on('data', (d) => (reply += d.toString('latin1')));
      s.on('error', () => {});
      s.write(head);
      const timer = setInterval(() => {
        if (sent < rest.length && !s.destroyed) s.write(rest[sent++]!);
      }, 50);
      s.on('close', () => {
        clearInterval(timer);
        resolve({ reply, sent });
      });
    });
  }

  it('cuts off clients that trickle a body or headers with 408 while others are answered', async () => {
    const body = scaleRequest(5);
    const slowBodies = Array.from({ length: 3 }, () =>
      trickle(
        `POST /v2/models/scale/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
        body,
      ),
    );
    const slowHeaders = trickle('GET /v2/health/live HTTP/1.1\r\n', `x-slow: ${'a'.repeat(200)}\r\n\r\n`);
    let done = false;
    const normal: Array<{ status: number; whileSlow: boolean }> = [];
    const all = Promise.all([...slowBodies, slowHeaders]).finally(() => (done = true));
    while (!done) {
      const { status } = await call(gw.url, '/v2/models/scale/infer', { body: scaleRequest(normal.length) });
      normal.push({ status, whileSlow: !done });
    }
    const cut = await all;
    for (const r of cut) {
      expect(r.reply).toMatch(/^HTTP\/1\.1 408/);
      expect(r.sent).toBeLessThan(body.length); // cut off before it finished, not answered after
    }
    expect(normal.filter((n) => n.whileSlow).length).toBeGreaterThan(0); // answered while the slow ones still held their connections
    expect(new Set(normal.map((n) => n.status))).toEqual(new Set([200]));
  });
});
