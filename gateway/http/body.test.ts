import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { serve, type ServerType } from '@hono/node-server';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { limitBody, readBody, readJson, type GatewayEnv } from './body.ts';
import { onError } from './status.ts';
import { useLimits } from './limits.ts';
import { setLogLevel } from '../../core/log.ts';

setLogLevel('silent');

describe('readBody over real HTTP', () => {
  let server: ServerType;
  let url: string;
  let port: number;
  let failures = 0;
  beforeAll(async () => {
    const app = new Hono<GatewayEnv>();
    app.onError((e, c) => {
      failures++;
      return onError(e, c);
    });
    app.use('*', limitBody(1024));
    app.use('*', useLimits({ maxJsonDepth: 8, maxTensorElements: 100, maxInstances: 4 }));
    app.post('/raw', async (c) => {
      const body = await readBody(c, c.req.query('align') === undefined ? undefined : Number(c.req.query('align')));
      return c.json({
        length: body.length,
        tailAligned: (body.byteOffset + Number(c.req.query('align') ?? 0)) % 8 === 0,
      });
    });
    app.post('/json', async (c) => c.json({ parsed: await readJson(c) }));
    server = await new Promise((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    port = (server.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('aligns the bytes after the given offset to 8 bytes', async () => {
    for (const align of [0, 3, 13]) {
      const r = await (await fetch(`${url}/raw?align=${align}`, { method: 'POST', body: new Uint8Array(40) })).json();
      expect(r).toEqual({ length: 40, tailAligned: true });
    }
  });

  it('refuses a chunked body over the limit with 413 while reading it', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new Uint8Array(512));
        controller.close();
      },
    });
    const r = await fetch(`${url}/raw`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(r.status).toBe(413);
  });

  it('decodes gzip bodies and checks JSON depth before parsing', async () => {
    const ok = await fetch(`${url}/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync('{"a":[1]}'),
    });
    expect(await ok.json()).toEqual({ parsed: { a: [1] } });
    const deep = await fetch(`${url}/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '['.repeat(9) + ']'.repeat(9),
    });
    expect(deep.status).toBe(400);
    const plain = await fetch(`${url}/json`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(plain.status).toBe(415);
  });

  it('survives a client that goes away in the middle of its body: the read fails, nothing escapes, it keeps serving', async () => {
    const before = failures;
    await new Promise<void>((resolve) => {
      // Gone once the server has the request (headers and 10 of its 100 body bytes), not before.
      server.once('request', () => socket.destroy());
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /raw?align=3 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789');
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    await expect.poll(() => failures).toBeGreaterThan(before);
    expect((await fetch(`${url}/raw`, { method: 'POST', body: 'abc' })).status).toBe(200);
  });
});
