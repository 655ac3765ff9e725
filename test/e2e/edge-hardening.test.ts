import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJson, type JsonBody, postJson, startGateway, type RunningGateway, useGateway } from '../support/gateway.ts';
import { scaleSumModel, tempStore, writeModel } from '../support/tiny-models.ts';
import { buildModel } from '../../runtimes/onnx/writer/build.ts';

/** FP32 [-1,-1] in, the same out: any 2-D shape reaches the runtime. */
const identity2d = () =>
  buildModel({
    inputs: [{ name: 'x', type: 'float32', shape: ['a', 'b'] }],
    outputs: [{ name: 'y', type: 'float32', shape: ['a', 'b'] }],
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
  });

const scaleRequest = (rows = 1, extra: Record<string, unknown> = {}) => ({
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [rows, 4], data: Array.from({ length: rows * 4 }, (_, i) => i) },
    { name: 'ids', datatype: 'INT64', shape: [rows, 2], data: Array(rows * 2).fill(7) },
  ],
  outputs: [{ name: 's' }],
  ...extra,
});

async function send(url: string, init: RequestInit & { duplex?: 'half' }) {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: JsonBody;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers };
}

describe('the HTTP edge refuses hostile input with clear 4xx answers and keeps serving', () => {
  let gw: RunningGateway;
  let store: string;
  let infer: string;
  const live = async () => expect((await getJson(`${gw.url}/v2/health/live`)).status).toBe(200);

  beforeAll(async () => {
    store = tempStore();
    writeModel(store, 'scale', 1, scaleSumModel(2), { cache: { ttlSeconds: 60 } });
    writeModel(store, 'dyn', 1, identity2d());
    mkdirSync(join(store, 'corrupt', '1'), { recursive: true });
    writeFileSync(join(store, 'corrupt', '1', 'model.onnx'), 'not an onnx model');
    mkdirSync(join(store, 'empty', '1'), { recursive: true });
    writeModel(store, 'badconfig', 1, scaleSumModel(2));
    writeFileSync(join(store, 'badconfig', 'config.json'), '{"batching": ');
    gw = await startGateway({
      MODEL_STORE: store,
      BODY_LIMIT_MB: '1',
      MAX_INSTANCES: '8',
      ON_MODEL_ERROR: 'continue',
      LOAD_MODELS: 'scale,dyn',
    });
    infer = `${gw.url}/v2/models/scale/infer`;
  });
  afterAll(() => gw?.close());

  it('defect 1: a bad Inference-Header-Content-Length is 400 before the body is read, and the process keeps serving', async () => {
    for (const value of [
      '0.5',
      '10.5',
      '-1.5',
      'Infinity',
      '1e400',
      'abc',
      '1e3',
      ' ',
      '9'.repeat(400),
      '99999999999999999999',
      String(2 * 1024 * 1024),
    ]) {
      const r = await send(infer, { method: 'POST', headers: { 'inference-header-content-length': value }, body: 'x' });
      expect(r.status, `header ${value.slice(0, 20)}`).toBe(400);
      expect(r.body.code).toBe('INVALID_INPUT');
      await live();
    }
    // A valid binary-extension request still gets the right answer.
    const json = Buffer.from(
      JSON.stringify({
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } },
          { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [1, 2] },
        ],
        outputs: [{ name: 's' }],
      }),
    );
    const tail = Buffer.from(new Float32Array([1, 2, 3, 4]).buffer);
    const ok = await send(infer, {
      method: 'POST',
      headers: { 'inference-header-content-length': String(json.length), 'content-type': 'application/octet-stream' },
      body: Buffer.concat([json, tail]),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.outputs[0].data).toEqual([10]);
  });

  it('defect 3: 10,000 nested arrays in parameters or in tensor data of a cached model get 400, not 500', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000); // as text: JSON.stringify itself would overflow here
    const inParameters = await postJson(
      infer,
      JSON.stringify({ ...scaleRequest(), parameters: { deep: 0 } }).replace('"deep":0', `"deep":${deep}`),
    );
    expect(inParameters.status).toBe(400);
    expect(inParameters.body.code).toBe('INVALID_JSON');
    expect(inParameters.body.error).toContain('MAX_JSON_DEPTH');
    const inData = await postJson(infer, `{"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":${deep}}]}`);
    expect(inData.status).toBe(400);
    const v1 = await postJson(`${gw.url}/v1/models/scale:predict`, `{"instances":[${deep}]}`);
    expect(v1.status).toBe(400);
    expect(v1.body.code).toBe('INVALID_JSON');
    // Nesting within the limit still goes through the cache key and is answered.
    let nested: unknown = 1;
    for (let i = 0; i < 50; i++) nested = [nested];
    const fine = await postJson(infer, { ...scaleRequest(), parameters: { nested } });
    expect(fine.status).toBe(200);
    expect(fine.body.outputs[0].data).toEqual([6]);
    await live();
  });

  it('defect 7: a zero-element tensor with a huge dimension is 400, as are shapes beyond MAX_TENSOR_ELEMENTS', async () => {
    const dyn = `${gw.url}/v2/models/dyn/infer`;
    for (const shape of [
      [0, 4294967296],
      [4294967296, 0],
      [65536, 65536],
      [0, 2 ** 53 - 1],
    ]) {
      const r = await postJson(dyn, { inputs: [{ name: 'x', datatype: 'FP32', shape, data: [] }] });
      expect(r.status, `shape ${shape}`).toBe(400);
      expect(r.body.code).toBe('INVALID_INPUT');
    }
    const unsafe = await postJson(
      dyn,
      '{"inputs":[{"name":"x","datatype":"FP32","shape":[1,9007199254740993],"data":[]}]}',
    );
    expect(unsafe.status).toBe(400);
    for (const shape of [
      [0, 3],
      [0, 60_000_000],
    ]) {
      const empty = await postJson(dyn, { inputs: [{ name: 'x', datatype: 'FP32', shape, data: [] }] });
      expect(empty.status, `shape ${shape}`).toBeLessThan(500);
    }
    const ok = await postJson(dyn, { inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3, 4] }] });
    expect(ok.status).toBe(200);
    expect(ok.body.outputs[0].data).toEqual([1, 2, 3, 4]);
  });

  it('caps instances per request with 413 naming MAX_INSTANCES (v2 batch rows and v1 instances)', async () => {
    const over = await postJson(infer, scaleRequest(9));
    expect(over.status).toBe(413);
    expect(over.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(over.body.error).toContain('MAX_INSTANCES');
    expect((await postJson(infer, scaleRequest(8))).status).toBe(200);
    const v1 = await postJson(`${gw.url}/v1/models/scale:predict`, { instances: Array(9).fill('x') });
    expect(v1.status).toBe(413);
    expect(v1.body.error).toContain('MAX_INSTANCES');
  });

  it('answers 405 with Allow to a known path asked with another method; unknown paths stay 404', async () => {
    const get = await send(infer, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.body.code).toBe('METHOD_NOT_ALLOWED');
    expect(get.headers.get('allow')).toBe('POST');
    const del = await send(`${gw.url}/v2/models/scale`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, HEAD');
    expect((await send(`${gw.url}/v2/health/live`, { method: 'POST', body: '{}' })).status).toBe(405);
    expect((await send(`${gw.url}/v2/repository/models/scale/load`, { method: 'GET' })).status).toBe(405);
    expect((await send(`${gw.url}/v2/nothing-here`, { method: 'GET' })).status).toBe(404);
    expect((await send(`${gw.url}/v2/nothing-here`, { method: 'DELETE' })).status).toBe(404);
  });

  it("takes JSON as application/json, +json, curl -d's form type or no type; text/plain is 415", async () => {
    const body = JSON.stringify(scaleRequest());
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'application/vnd.massgate+json',
      'application/x-www-form-urlencoded',
    ]) {
      expect((await send(infer, { method: 'POST', headers: { 'content-type': type }, body })).status, type).toBe(200);
    }
    const noType = await send(infer, { method: 'POST', body: new Blob([body]) });
    expect(noType.status).toBe(200);
    for (const type of ['text/plain', 'application/xml', 'application/octet-stream']) {
      const r = await send(infer, { method: 'POST', headers: { 'content-type': type }, body });
      expect(r.status, type).toBe(415);
      expect(r.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const v1 = await send(`${gw.url}/v1/models/scale:predict`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"instances":[1]}',
    });
    expect(v1.status).toBe(415);
  });

  it('decodes gzip and br bodies under the body limit; bombs are 413, corrupt data 400, other encodings 415', async () => {
    const body = Buffer.from(JSON.stringify(scaleRequest(2)));
    for (const [encoding, bytes] of [
      ['gzip', gzipSync(body)],
      ['br', brotliCompressSync(body)],
    ] as const) {
      const r = await send(infer, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: bytes,
      });
      expect(r.status, encoding).toBe(200);
      expect(r.body.outputs[0].data).toEqual([6, 22]);
    }
    // 16 MiB of spaces compress to ~16 KiB: refused once the output passes the 1 MiB limit.
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const boom = await send(infer, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: bomb,
    });
    expect(boom.status).toBe(413);
    const corrupt = await send(infer, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: 'not gzip',
    });
    expect(corrupt.status).toBe(400);
    const other = await send(infer, { method: 'POST', headers: { 'content-encoding': 'compress' }, body });
    expect(other.status).toBe(415);
    await live();
  });

  it('repository routes read their body under their own small limit, also when it is chunked', async () => {
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 65) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const chunked = await send(`${gw.url}/v2/repository/models/scale/load`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    });
    expect(chunked.status).toBe(413);
    const sized = await postJson(`${gw.url}/v2/repository/index`, { pad: 'x'.repeat(70 * 1024) });
    expect(sized.status).toBe(413);
    expect(
      (
        await send(`${gw.url}/v2/repository/index`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: '{}',
        })
      ).status,
    ).toBe(415);
    expect((await postJson(`${gw.url}/v2/repository/index`, '[1]')).status).toBe(400);
    const index = await postJson(`${gw.url}/v2/repository/index`, { ready: true });
    expect(index.status).toBe(200);
    expect(index.body.map((m: { name: string }) => m.name)).toContain('scale');
    expect((await postJson(infer, scaleRequest())).status).toBe(200);
  });

  it.each(['corrupt', 'empty', 'badconfig'])(
    'defect 8: a failed load (%s) answers without any absolute server path',
    async (name) => {
      const r = await send(`${gw.url}/v2/repository/models/${name}/load`, { method: 'POST' });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).not.toBe(500);
      const text = JSON.stringify(r.body);
      expect(text).not.toContain(store);
      expect(text).not.toContain(tmpdir());
      expect(text).not.toContain(process.cwd());
      await live();
    },
  );
});

describe('limits on a plugin model (lang-lande, text)', () => {
  const gw = useGateway({ LOAD_MODELS: 'lang-lande', MAX_INSTANCES: '4' });

  it('defect 1 as reported: curl -H "Inference-Header-Content-Length: 0.5" --data-binary x gets 400 and the gateway keeps serving', async () => {
    const r = await fetch(`${gw.url}/v2/models/lang-lande/infer`, {
      method: 'POST',
      headers: { 'inference-header-content-length': '0.5', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x',
    });
    expect(r.status).toBe(400);
    expect((await getJson(`${gw.url}/v2/health/live`)).status).toBe(200);
  });

  it('caps the BYTES elements of a v2 request (one per instance) with 413; within the cap it answers', async () => {
    const texts = (n: number) => ({
      inputs: [
        {
          name: 'text',
          datatype: 'BYTES',
          shape: [n],
          data: Array(n).fill('Bonjour tout le monde, comment allez-vous ?'),
        },
      ],
    });
    const over = await postJson(`${gw.url}/v2/models/lang-lande/infer`, texts(5));
    expect(over.status).toBe(413);
    expect(over.body.error).toContain('MAX_INSTANCES');
    const ok = await postJson(`${gw.url}/v2/models/lang-lande/infer`, texts(4));
    expect(ok.status).toBe(200);
    const v1 = await postJson(`${gw.url}/v1/models/lang-lande:predict`, { instances: Array(5).fill('Bonjour') });
    expect(v1.status).toBe(413);
  });
});
