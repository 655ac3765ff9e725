import { gzipSync } from 'node:zlib';
import { HOSTILE_VERSIONS, JSON_TYPE, post, segment, type FuzzCase, type Generator } from './case.ts';

const VALIDISH = JSON.stringify({
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] },
    { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [1, 2] },
  ],
});

/**
 * Hostile names and versions on every route, wrong methods, odd content types and encodings, multipart garbage,
 * oversize bodies.
 */
export const HTTP_GENERATORS: Record<string, Generator> = {
  'repo.load': (rng) => {
    const name = segment(rng);
    return post(
      'repo.load',
      name.slice(0, 40),
      `/v2/repository/models/${name}/load`,
      rng.chance(0.5) ? '{}' : rng.pick(['', '{"parameters":{"config":"{}"}}', 'x']),
    );
  },
  'repo.unload': (rng) => {
    const name = segment(rng);
    return post('repo.unload', name.slice(0, 40), `/v2/repository/models/${name}/unload`, '{}');
  },
  'repo.index': (rng) =>
    post('repo.index', 'junk body', '/v2/repository/index', rng.pick(['', '{"ready":"yes"}', '[', rng.bytes(50)])),
  'meta.names': (rng) => {
    const name = segment(rng);
    const version = encodeURIComponent(rng.pick(HOSTILE_VERSIONS)).replace('%2E%2E', '..');
    const real = rng.pick(['scale', 'lang-lande', name]);
    const path = rng.pick([
      `/v2/models/${name}`,
      `/v2/models/${name}/ready`,
      `/v2/models/${real}/versions/${version}`,
      `/v2/models/${real}/versions/${version}/ready`,
      `/v1/models/${name}`,
    ]);
    return {
      category: 'meta.names',
      label: path.slice(0, 60),
      method: 'GET',
      path,
      allow5xx: path.endsWith('/ready') ? [503] : undefined,
    };
  },
  'infer.names': (rng) => {
    const name = segment(rng);
    const version = encodeURIComponent(rng.pick(HOSTILE_VERSIONS)).replace('%2E%2E', '..');
    const path = rng.pick([
      `/v2/models/${name}/infer`,
      `/v2/models/scale/versions/${version}/infer`,
      `/v1/models/${name}:predict`,
      `/v1/models/scale@${version}:predict`,
    ]);
    return post('infer.names', path.slice(0, 60), path, VALIDISH);
  },
  'http.methods': (rng) => {
    const [method, path] = rng.pick<[string, string]>([
      ['GET', '/v2/models/scale/infer'],
      ['PUT', '/v2/models/scale/infer'],
      ['DELETE', '/v2/models/scale'],
      ['PATCH', '/v1/models/lang-lande:predict'],
      ['GET', '/v2/repository/index'],
      ['DELETE', '/v2/repository/models/scale/load'],
      ['POST', '/v2/health/live'],
      ['POST', '/v2/health/ready'],
      ['PUT', '/v2'],
      ['OPTIONS', '/v2/models/scale/infer'],
      ['HEAD', '/v2/models/scale/infer'],
      ['TRACE', '/v2/health/live'],
      ['POST', '/metrics'],
      ['GET', '/v2/repository/models/scale/unload'],
    ]);
    const body = method === 'GET' || method === 'HEAD' || method === 'TRACE' ? undefined : VALIDISH;
    return {
      category: 'http.methods',
      label: `${method} ${path}`,
      method,
      path,
      headers: JSON_TYPE,
      body,
      expect: method === 'OPTIONS' ? [204, 405] : [405],
    };
  },
  'http.content-type': (rng) => {
    const type = rng.pick([
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'application/json; charset=utf-16',
      'image/png',
      '',
      'application/json, text/plain',
      'x'.repeat(2000),
    ]);
    const path = rng.pick(['/v2/models/scale/infer', '/v1/models/lang-lande:predict']);
    const body = path.startsWith('/v1') ? '{"instances":["hello world"]}' : VALIDISH;
    // No type, JSON, and curl -d's form type (what the README's and KServe's curl examples send) carry JSON.
    const lenient = type === '' || type.startsWith('application/json') || type === 'application/x-www-form-urlencoded';
    return {
      ...post('http.content-type', `${type.slice(0, 40)} → ${path}`, path, body, type ? { 'content-type': type } : {}),
      expect: lenient ? [200, 400, 415] : [400, 415],
    };
  },
  'http.content-encoding': (rng) => {
    const enc = rng.pick(['gzip', 'gzip (real)', 'br', 'deflate, gzip', 'identity', 'x-garbage', 'gzip (bomb)']);
    const body =
      enc === 'gzip (real)'
        ? gzipSync(VALIDISH)
        : enc === 'gzip (bomb)'
          ? gzipSync(Buffer.alloc(50 * 1024 * 1024))
          : Buffer.from(VALIDISH);
    const expect =
      enc === 'identity'
        ? [200]
        : enc === 'gzip (real)'
          ? [200, 415]
          : enc === 'gzip (bomb)'
            ? [400, 413, 415]
            : [400, 415];
    return {
      ...post('http.content-encoding', enc, '/v2/models/scale/infer', body, {
        'content-type': 'application/json',
        'content-encoding': enc.split(' ')[0]!,
      }),
      expect,
    };
  },
  'http.multipart': (rng, ctx) => {
    const boundary = `fuzzBoundary${rng.int(1e6)}`;
    const part = (headers: string, data: Buffer | string) =>
      Buffer.concat([Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`), Buffer.from(data), Buffer.from('\r\n')]);
    const model = rng.pick(['nsfw-mobilenet-v2', 'vad-silero-v5', 'lang-lande']);
    const [label, body, type] = rng.pick<[string, Buffer, string]>([
      [
        'no closing boundary',
        part('Content-Disposition: form-data; name="f"; filename="a.png"', ctx.media.png.subarray(0, 200)),
        `multipart/form-data; boundary=${boundary}`,
      ],
      ['random bytes', rng.bytes(300), `multipart/form-data; boundary=${boundary}`],
      [
        'no file field',
        Buffer.concat([part('Content-Disposition: form-data; name="top_k"', '3'), Buffer.from(`--${boundary}--\r\n`)]),
        `multipart/form-data; boundary=${boundary}`,
      ],
      [
        'corrupt file',
        Buffer.concat([
          part('Content-Disposition: form-data; name="f"; filename="a.png"\r\nContent-Type: image/png', rng.bytes(500)),
          Buffer.from(`--${boundary}--\r\n`),
        ]),
        `multipart/form-data; boundary=${boundary}`,
      ],
      [
        'bomb file',
        Buffer.concat([
          part('Content-Disposition: form-data; name="f"; filename="b.png"', ctx.media.bomb),
          Buffer.from(`--${boundary}--\r\n`),
        ]),
        `multipart/form-data; boundary=${boundary}`,
      ],
      ['no boundary', part('Content-Disposition: form-data; name="f"', 'x'), 'multipart/form-data'],
      [
        'wrong boundary',
        part('Content-Disposition: form-data; name="f"; filename="x"', 'x'),
        'multipart/form-data; boundary=other',
      ],
      [
        'huge field name',
        Buffer.concat([
          part(`Content-Disposition: form-data; name="${'n'.repeat(20000)}"`, '1'),
          Buffer.from(`--${boundary}--\r\n`),
        ]),
        `multipart/form-data; boundary=${boundary}`,
      ],
    ]);
    return {
      category: 'http.multipart',
      label: `${model} ${label}`,
      method: 'POST',
      path: `/v1/models/${model}:predict`,
      headers: { 'content-type': type },
      body,
    };
  },
  /**
   * Many files in one multipart upload to the image model (defect 5 through multipart; skip with the other image
   * many-instance case).
   */
  'v1.many-instances.image.multipart': (rng, ctx) => {
    const boundary = `fuzzBoundary${rng.int(1e6)}`;
    const n = rng.pick([2000, 5000]);
    const parts = Array.from({ length: n }, (_, i) =>
      Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="f${i}"; filename="d.png"\r\n\r\n`),
        ctx.media.dot,
        Buffer.from('\r\n'),
      ]),
    );
    const body = Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]);
    return {
      category: 'v1.many-instances.image.multipart',
      label: `${n} tiny PNG files`,
      method: 'POST',
      path: '/v1/models/nsfw-mobilenet-v2:predict',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    };
  },
  'http.oversize': (rng) => {
    const size = rng.pick([3, 8]) * 1024 * 1024;
    const path = rng.pick([
      '/v2/models/scale/infer',
      '/v1/models/lang-lande:predict',
      '/v2/repository/models/scale/load',
      '/v2/repository/index',
    ]);
    const chunked = rng.chance(0.5);
    const big = Buffer.alloc(size, 0x20);
    const c: FuzzCase = {
      category: 'http.oversize',
      label: `${size >> 20} MiB ${chunked ? 'chunked' : 'with length'} → ${path}`,
      method: 'POST',
      path,
      headers: JSON_TYPE,
      body: chunked ? { chunks: [big.subarray(0, size / 2), big.subarray(size / 2)] } : big,
      expect: [413],
    };
    return c;
  },
};
