import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { Hono } from 'hono';
import { traceInMemory, type InMemoryTracing } from '../../test/support/tracing.ts';
import type { GatewayEnv } from '../http/body.ts';
import { traceRequests } from './http.ts';
import { inSpan, traceOf } from './spans.ts';

describe('the server span middleware', () => {
  let tracing: InMemoryTracing;
  beforeAll(async () => {
    tracing = await traceInMemory();
  });
  afterAll(() => tracing.stop());

  it('registers no context manager: the handler sees ROOT as active, and the span in its trace context', async () => {
    const app = new Hono<GatewayEnv>();
    app.use('*', traceRequests());
    app.get('/x', async (c) => {
      await Promise.resolve();
      const parent = traceOf(c);
      const inner = await inSpan('massgate.inner', {}, parent, async (child) => trace.getSpan(child!));
      return c.json({
        activeIsRoot: context.active() === ROOT_CONTEXT,
        activeSpan: trace.getActiveSpan() !== undefined,
        server: trace.getSpan(parent!)?.spanContext().spanId,
        innerParent: (inner as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId,
      });
    });
    const res = await app.request('/x');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.activeIsRoot).toBe(true);
    expect(body.activeSpan).toBe(false);
    expect(res.headers.get('traceresponse')).toContain(`-${body.server as string}-01`);
    expect(body.innerParent).toBe(body.server);
    expect(tracing.spans().map((s) => s.name)).toEqual(['massgate.inner', 'GET /x']);
  });
});
