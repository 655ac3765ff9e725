import { describe, expect, it } from 'vitest';
import { startWithModel, postJson, getJson, useGateway } from '../support/gateway.ts';
import { scaleSumModel } from '../support/tiny-models.ts';

describe('a plain ONNX model dropped into an empty store, no config', () => {
  const gw = useGateway(() => startWithModel('scale', scaleSumModel()));

  it('is live, ready and lists the OIP extensions', async () => {
    expect((await getJson(`${gw.url}/v2/health/live`)).status).toBe(200);
    expect((await getJson(`${gw.url}/v2/health/ready`)).status).toBe(200);
    const server = await getJson(`${gw.url}/v2`);
    expect(server.body.name).toBe('massgate');
    expect(server.body.extensions).toContain('model_repository');
  });

  it('reports metadata read from the model, dynamic dimensions as -1', async () => {
    const { status, body } = await getJson(`${gw.url}/v2/models/scale`);
    expect(status).toBe(200);
    expect(body.versions).toEqual(['1']);
    expect(body.platform).toBe('onnxruntime_onnx');
    expect(body.inputs).toEqual([
      { name: 'x', datatype: 'FP32', shape: [-1, 4] },
      { name: 'ids', datatype: 'INT64', shape: [-1, 2] },
    ]);
    expect(body.outputs.map((o: { name: string }) => o.name).sort()).toEqual(['ids_out', 's', 'y']);
    expect(body.parameters.provider).toBe('cpu');
    expect((await getJson(`${gw.url}/v2/models/scale/versions/1/ready`)).body.ready).toBe(true);
  });

  it('computes correct outputs from nested or flat data, echoes id and selects outputs', async () => {
    const { status, body } = await postJson(`${gw.url}/v2/models/scale/infer`, {
      id: 'req-7',
      inputs: [
        {
          name: 'x',
          datatype: 'FP32',
          shape: [2, 4],
          data: [
            [1, 2, 3, 4],
            [5, 6, 7, 8],
          ],
        },
        { name: 'ids', datatype: 'INT64', shape: [2, 2], data: [10, 11, 12, 13] },
      ],
      outputs: [{ name: 's' }, { name: 'ids_out' }],
    });
    expect(status).toBe(200);
    expect(body.id).toBe('req-7');
    expect(body.model_name).toBe('scale');
    expect(body.model_version).toBe('1');
    expect(body.outputs).toEqual([
      { name: 's', datatype: 'FP32', shape: [2, 1], data: [10, 26] },
      { name: 'ids_out', datatype: 'INT64', shape: [2, 2], data: [10, 11, 12, 13] },
    ]);
  });

  it('answers 64 concurrent requests each with its own rows', async () => {
    const results = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const rows = 1 + (i % 3);
        const x = Array.from({ length: rows * 4 }, (_, j) => i * 100 + j);
        const { status, body } = await postJson(`${gw.url}/v2/models/scale/infer`, {
          inputs: [
            { name: 'x', datatype: 'FP32', shape: [rows, 4], data: x },
            { name: 'ids', datatype: 'INT64', shape: [rows, 2], data: Array(rows * 2).fill(i) },
          ],
          outputs: [{ name: 'y' }, { name: 'ids_out' }],
        });
        return { status, body, x, i };
      }),
    );
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body.outputs[0].data).toEqual(r.x.map((v) => v * 2));
      expect(new Set(r.body.outputs[1].data)).toEqual(new Set([r.i]));
    }
  });

  it.each([
    ['malformed JSON', '{"inputs": [', 400, /malformed JSON/],
    [
      'unknown input',
      { inputs: [{ name: 'z', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
      400,
      /unknown input 'z'/,
    ],
    [
      'wrong datatype',
      {
        inputs: [
          { name: 'x', datatype: 'INT32', shape: [1, 4], data: [1, 2, 3, 4] },
          { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [1, 2] },
        ],
      },
      400,
      /datatype INT32/,
    ],
    [
      'wrong inner dimension',
      {
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] },
          { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [1, 2] },
        ],
      },
      400,
      /shape \[1,3\]/,
    ],
    [
      'shape/data mismatch',
      {
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [2, 4], data: [1, 2, 3, 4] },
          { name: 'ids', datatype: 'INT64', shape: [2, 2], data: [1, 2, 3, 4] },
        ],
      },
      400,
      /needs 8 elements/,
    ],
    [
      'non-numeric data',
      {
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 'a', 3, 4] },
          { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [1, 2] },
        ],
      },
      400,
      /not a number/,
    ],
    [
      'missing input',
      { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
      400,
      /missing input/,
    ],
    [
      'unknown output',
      {
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] },
          { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [1, 2] },
        ],
        outputs: [{ name: 'nope' }],
      },
      400,
      /unknown output 'nope'/,
    ],
    ['no inputs at all', {}, 400, /inputs/],
  ])('%s → a 400 with a clear message', async (_, body, status, message) => {
    const r = await postJson(`${gw.url}/v2/models/scale/infer`, body);
    expect(r.status).toBe(status);
    expect(r.body.error).toMatch(message);
  });

  it('unknown model or version → 404', async () => {
    expect((await postJson(`${gw.url}/v2/models/nope/infer`, { inputs: [] })).status).toBe(404);
    expect((await getJson(`${gw.url}/v2/models/scale/versions/9`)).status).toBe(404);
  });

  it('unload → 503 on infer, load → serving again; the index shows both states', async () => {
    const req = {
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 1, 1, 1] },
        { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [0, 0] },
      ],
    };
    expect((await postJson(`${gw.url}/v2/repository/models/scale/unload`, {})).status).toBe(200);
    const down = await postJson(`${gw.url}/v2/models/scale/infer`, req);
    expect(down.status).toBe(503);
    expect((await postJson(`${gw.url}/v2/repository/index`, {})).body).toEqual([
      { name: 'scale', state: 'UNAVAILABLE', reason: 'unloaded' },
    ]);
    expect((await postJson(`${gw.url}/v2/repository/models/scale/load`, {})).status).toBe(200);
    expect((await postJson(`${gw.url}/v2/models/scale/infer`, req)).status).toBe(200);
    expect((await postJson(`${gw.url}/v2/repository/index`, {})).body).toEqual([
      { name: 'scale', version: '1', state: 'READY', reason: '' },
    ]);
  });
});

describe('binary tensor extension', () => {
  const gw = useGateway(() => startWithModel('scale', scaleSumModel()));

  function binaryRequest(
    header: unknown,
    ...tails: ArrayBufferView[]
  ): { body: Uint8Array<ArrayBuffer>; headerLength: number } {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const parts = [json, ...tails.map((t) => new Uint8Array(t.buffer, t.byteOffset, t.byteLength))];
    const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      body.set(p, o);
      o += p.length;
    }
    return { body, headerLength: json.length };
  }

  it('takes binary inputs and returns binary outputs with binary_data_size', async () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const ids = new BigInt64Array([1n, 2n, 3n, 4n]);
    const { body, headerLength } = binaryRequest(
      {
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [2, 4], parameters: { binary_data_size: x.byteLength } },
          { name: 'ids', datatype: 'INT64', shape: [2, 2], parameters: { binary_data_size: ids.byteLength } },
        ],
        outputs: [{ name: 'y', parameters: { binary_data: true } }, { name: 's' }],
      },
      x,
      ids,
    );
    const res = await fetch(`${gw.url}/v2/models/scale/infer`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) },
    });
    expect(res.status).toBe(200);
    const n = Number(res.headers.get('inference-header-content-length'));
    const raw = new Uint8Array(await res.arrayBuffer());
    const header = JSON.parse(new TextDecoder().decode(raw.subarray(0, n)));
    expect(header.outputs[0]).toEqual({
      name: 'y',
      datatype: 'FP32',
      shape: [2, 4],
      parameters: { binary_data_size: 32 },
    });
    expect(header.outputs[1].data).toEqual([10, 26]);
    expect(Array.from(new Float32Array(raw.slice(n).buffer))).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
  });

  it('refuses binary sizes that do not add up', async () => {
    const x = new Float32Array([1, 2, 3, 4]);
    const { body, headerLength } = binaryRequest(
      {
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 12 } },
          { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [1, 2] },
        ],
      },
      x,
    );
    const res = await fetch(`${gw.url}/v2/models/scale/infer`, {
      method: 'POST',
      body,
      headers: { 'inference-header-content-length': String(headerLength) },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/binary/);
  });
});

describe('oversized bodies', () => {
  const gw = useGateway(() =>
    startWithModel('scale', scaleSumModel(), undefined, { BODY_LIMIT_MB: String(4096 / 1024 / 1024) }),
  );

  it('answers 413 by Content-Length, before reading the body', async () => {
    const r = await postJson(`${gw.url}/v2/models/scale/infer`, {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: Array(3000).fill(1) }],
    });
    expect(r.status).toBe(413);
    expect(r.body.error).toMatch(/exceeds 4096 bytes/);
  });

  it('answers 413 for a chunked body that grows past the limit', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(1024));
    const stream = new ReadableStream({
      start(ctl) {
        for (let i = 0; i < 8; i++) ctl.enqueue(chunk);
        ctl.close();
      },
    });
    const res = await fetch(`${gw.url}/v2/models/scale/infer`, {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });
});
