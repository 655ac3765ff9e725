import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { request } from 'node:http';
import { GatewayError } from '../../core/errors.ts';
import { setLogLevel } from '../../core/log.ts';
import { limitBody, readBody, type GatewayEnv } from './body.ts';
import { onError } from './status.ts';
import { bodyParts } from './stream-body.ts';

setLogLevel('silent');

/** POSTs `parts` chunked (or with a Content-Length among `headers`); the status and body that come back. */
function post(
  url: string,
  parts: Buffer[],
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const p of parts) req.write(p);
    req.end();
  });
}

describe('a body read as a stream (bodyParts) over real HTTP', () => {
  let server: ServerType;
  let url: string;
  beforeAll(async () => {
    const app = new Hono<GatewayEnv>();
    app.onError(onError);
    app.use('*', limitBody(1024, 4096)); // 1 KiB read whole, 4 KiB for an audio/* stream
    app.post('/stream', async (c) => {
      const sizes: number[] = [];
      for await (const part of bodyParts(c)) {
        sizes.push(part.length);
        if (c.req.query('stop') !== undefined) throw new GatewayError('INVALID_AUDIO', 'stopped at the first part');
      }
      return c.json({ bytes: sizes.reduce((a, b) => a + b, 0), parts: sizes.length });
    });
    app.post('/whole', async (c) => c.json({ bytes: (await readBody(c)).length }));
    server = await new Promise((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const wav = { 'content-type': 'audio/wav' };
  const parts = (n: number, size: number) => Array.from({ length: n }, () => Buffer.alloc(size, 7));

  it('hands an audio/* body over as it arrives, up to the audio limit', async () => {
    const r = await post(`${url}/stream`, parts(6, 500), wav);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).bytes).toBe(3000);
  });

  it('refuses past the audio limit: chunked once it passes, with a Content-Length before reading', async () => {
    const chunked = await post(`${url}/stream`, parts(10, 500), wav);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error).toMatch(/exceeds 4096 bytes/);
    const declared = await post(`${url}/stream`, parts(10, 500), { ...wav, 'content-length': '5000' });
    expect(declared.status).toBe(413);
  });

  it('keeps the body limit for a body read whole, whatever its type', async () => {
    const r = await post(`${url}/whole`, parts(6, 500), wav);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error).toMatch(/exceeds 1024 bytes/);
  });

  it('refuses a compressed stream (415), and answers a consumer that stops early (the rest read and dropped)', async () => {
    const gz = await post(`${url}/stream`, parts(2, 100), { ...wav, 'content-encoding': 'gzip' });
    expect(gz.status).toBe(415);
    const stopped = await post(`${url}/stream?stop`, parts(6, 500), wav);
    expect(stopped.status).toBe(400);
    expect(JSON.parse(stopped.body).error).toMatch(/stopped at the first part/);
  });
});
