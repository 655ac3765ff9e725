import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { GatewayError } from '../../core/errors.ts';
import { setLogLevel } from '../../core/log.ts';
import { createMetrics } from '../metrics/index.ts';
import { access, accessRecorder } from './access.ts';
import type { GatewayEnv } from './body.ts';
import { notFoundOr405 } from './methods.ts';
import { adoptBodyId } from './request-id.ts';
import { onError } from './status.ts';
import { captureLogs } from '../../test/support/logs.ts';

const { read } = captureLogs();

/** A small app with the gateway's edge: request ids, error table, 404/405. */
function app(accessLog = true) {
  const metrics = createMetrics();
  const a = new Hono<GatewayEnv>();
  a.onError(onError);
  a.notFound(notFoundOr405(a));
  a.use('*', access(accessRecorder({ metrics, log: accessLog })));
  a.get('/v2/health/live', (c) => c.json({ live: true }));
  a.get('/models/:name', (c) => c.json({ name: c.req.param('name') }));
  a.post('/models/:name/infer', async (c) => {
    adoptBodyId(c, ((await c.req.json()) as { id?: string }).id);
    if (c.req.param('name') === 'broken') throw new GatewayError('INFERENCE_FAILED', 'the session threw');
    if (c.req.param('name') === 'busy') throw new GatewayError('QUEUE_FULL', 'full', { retryAfterS: 1 });
    return c.json({});
  });
  return { app: a, metrics };
}
const count = async (m: ReturnType<typeof createMetrics>, method: string, route: string, status: number) =>
  Number(
    new RegExp(
      `massgate_http_request_duration_seconds_count\\{method="${method}",route="${route.replace(/[/:]/g, '\\$&')}",status="${status}"\\} (\\d+)`,
    ).exec(await m.render())?.[1] ?? 0,
  );

describe('access middleware', () => {
  it('answers every response with its x-request-id, counts it by route pattern and status, and logs it', async () => {
    const { app: a, metrics } = app();
    const ok = await a.request('/models/m1', { headers: { 'x-request-id': 'id-1' } });
    const missing = await a.request('/nowhere', { headers: { 'x-request-id': 'id-2' } });
    const wrongMethod = await a.request('/models/m1', { method: 'DELETE', headers: { 'x-request-id': 'id-3' } });
    const broken = await a.request('/models/broken/infer', { method: 'POST', body: '{}' });
    const busy = await a.request('/models/busy/infer', { method: 'POST', body: '{"id": "oip-1"}' });
    expect([ok.status, missing.status, wrongMethod.status, broken.status, busy.status]).toEqual([
      200, 404, 405, 500, 429,
    ]);
    expect([ok, missing, wrongMethod].map((r) => r.headers.get('x-request-id'))).toEqual(['id-1', 'id-2', 'id-3']);
    expect(broken.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(busy.headers.get('x-request-id')).toBe('oip-1'); // the body's id, set once the body is parsed
    expect(busy.headers.get('retry-after')).toBe('1');

    expect(await count(metrics, 'GET', '/models/:name', 200)).toBe(1);
    expect(await count(metrics, 'GET', 'unmatched', 404)).toBe(1);
    expect(await count(metrics, 'DELETE', 'unmatched', 405)).toBe(1);
    expect(await count(metrics, 'POST', '/models/:name/infer', 500)).toBe(1);
    expect(await count(metrics, 'POST', '/models/:name/infer', 429)).toBe(1);

    const access = read().filter((l) => l.msg === 'request');
    expect(access.map((l) => [l.request_id, l.level, l.route, l.status, l.code])).toEqual([
      ['id-1', 'info', '/models/:name', 200, undefined],
      ['id-2', 'info', 'unmatched', 404, 'NOT_FOUND'],
      ['id-3', 'info', 'unmatched', 405, 'METHOD_NOT_ALLOWED'],
      [broken.headers.get('x-request-id'), 'error', '/models/:name/infer', 500, 'INFERENCE_FAILED'],
      ['oip-1', 'info', '/models/:name/infer', 429, 'QUEUE_FULL'],
    ]);
    expect(access[0]).toMatchObject({ method: 'GET', path: '/models/m1', duration_ms: expect.any(Number) });
  });

  it("logs the detail of a server error under the request's id, beside its access line", async () => {
    const { app: a } = app();
    await a.request('/models/broken/infer', { method: 'POST', body: '{}', headers: { 'x-request-id': 'b-1' } });
    expect(read().map((l) => [l.msg, l.request_id, l.level])).toEqual([
      ['request failed', 'b-1', 'error'],
      ['request', 'b-1', 'error'],
    ]);
  });

  it('keeps a sane x-request-id over the body id, logs health probes at debug, and can be turned off', async () => {
    const { app: a, metrics } = app();
    const r = await a.request('/models/m/infer', {
      method: 'POST',
      body: '{"id":"oip-2"}',
      headers: { 'x-request-id': 'h' },
    });
    expect(r.headers.get('x-request-id')).toBe('h');
    await a.request('/v2/health/live');
    expect(read().map((l) => l.request_id)).toEqual(['h']);
    setLogLevel('debug');
    await a.request('/v2/health/live', { headers: { 'x-request-id': 'probe' } });
    expect(read()).toMatchObject([{ level: 'debug', request_id: 'probe', route: '/v2/health/live' }]);
    expect(await count(metrics, 'GET', '/v2/health/live', 200)).toBe(2);

    const { app: quiet, metrics: counted } = app(false);
    await quiet.request('/models/m1');
    expect(read()).toEqual([]);
    expect(await count(counted, 'GET', '/models/:name', 200)).toBe(1);
  });
});
