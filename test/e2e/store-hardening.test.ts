import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, postJson, getJson, type JsonBody, type RunningGateway } from '../support/gateway.ts';
import { scaleSumModel, tempStore, writeModel } from '../support/tiny-models.ts';

const infer = {
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 1, 1, 1] },
    { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [0, 0] },
  ],
  outputs: [{ name: 'y' }],
};

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/**
 * A POST with the path sent byte for byte (fetch would normalise `..` and `%2e%2e` away), on kept-alive connections.
 */
function rawPost(url: string, path: string): Promise<{ status: number; body: JsonBody }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname,
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': 2 },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

describe('model store hardening: names, readiness, paths, symlinks, sha256', () => {
  let gw: RunningGateway;
  let store: string;
  let outside: string;
  const v1 = scaleSumModel(2);

  const ready = async () => (await getJson(`${gw.url}/v2/health/ready`)).status;
  const index = async () =>
    (await postJson(`${gw.url}/v2/repository/index`, {})).body as Array<{
      name: string;
      state: string;
      reason: string;
    }>;
  const load = (name: string) => postJson(`${gw.url}/v2/repository/models/${name}/load`, {});
  /** No absolute path of the store or the temp folder in a client-visible message. */
  const noPaths = (message: string) => {
    for (const p of [store, realpathSync(store), outside, tmpdir()]) expect(message).not.toContain(p);
  };

  beforeAll(async () => {
    store = tempStore();
    outside = mkdtempSync(join(tmpdir(), 'massgate-outside-'));
    writeModel(store, 'scale', 1, v1);
    writeModel(store, 'pinned', 1, v1, { sha256: { 1: sha(v1) } });
    gw = await startGateway({ MODEL_STORE: store });
  });
  afterAll(async () => {
    agent.destroy();
    await gw?.close();
  });

  it('serves the store, ready, the pinned model with its right sha256 included', async () => {
    expect(await ready()).toBe(200);
    expect((await postJson(`${gw.url}/v2/models/pinned/infer`, infer)).body.outputs[0].data).toEqual([2, 2, 2, 2]);
  });

  it('refuses invalid names with 400 INVALID_NAME, records nothing and stays ready', async () => {
    const before = (await index()).length;
    const paths = [
      '-x',
      '%2Fetc%2Fpasswd',
      '..',
      '%2E%2E',
      '.',
      '.hidden',
      'a%00b',
      'a%20b',
      'x'.repeat(8192),
      '%C3%A9',
    ].map((n) => `/v2/repository/models/${n}/load`);
    paths.push('/v2/repository/models/../unload', '/v2/repository/models/-x/unload');
    for (const path of paths) {
      const r = await rawPost(gw.url, path);
      // `..` may also be refused by routing (no such route): never 2xx or 5xx, never recorded.
      expect([400, 404], path).toContain(r.status);
      if (r.status === 400) expect(r.body.code).toBe('INVALID_NAME');
      expect(JSON.stringify(r.body).length).toBeLessThan(400); // an 8 KB name does not come back in full
      expect(await ready(), path).toBe(200);
    }
    expect((await rawPost(gw.url, '/v2/repository/models/-x/load')).body.code).toBe('INVALID_NAME');
    expect((await index()).length).toBe(before);
  });

  it('checks names and versions on metadata, readiness and inference too (OIP and v1)', async () => {
    for (const url of [
      '/v2/models/-x',
      '/v2/models/-x/ready',
      '/v2/models/scale/versions/1abc',
      '/v2/models/scale/versions/0/ready',
      '/v2/models/scale/versions/99999999999',
      `/v2/models/${'y'.repeat(300)}`,
      '/v1/models/a%2Fb',
    ]) {
      const r = await getJson(`${gw.url}${url}`);
      expect([r.status, r.body.code], url).toEqual([400, 'INVALID_NAME']);
    }
    for (const url of [
      '/v2/models/-x/infer',
      '/v2/models/scale/versions/1.5/infer',
      '/v1/models/-x:predict',
      '/v1/models/scale@0:predict',
      '/v1/models/scale@1x:predict',
    ]) {
      const r = await postJson(`${gw.url}${url}`, infer);
      expect([r.status, r.body.code], url).toEqual([400, 'INVALID_NAME']);
    }
    expect((await getJson(`${gw.url}/v2/models/nope`)).status).toBe(404);
    expect((await postJson(`${gw.url}/v1/models/scale@x:predict`, infer)).body.code).toBe('VERSION_NOT_FOUND'); // a valid label the model does not have
    expect(await ready()).toBe(200);
  });

  it('3,000 loads of bogus names (invalid, 8 KB long, or absent) leave the index size unchanged and the server ready', async () => {
    const before = await index();
    const names = Array.from({ length: 3000 }, (_, i) =>
      i % 3 === 0 ? `-bogus${i}` : i % 3 === 1 ? `absent-${i}` : `${'z'.repeat(8192)}${i}`,
    );
    const statuses = new Map<number, number>();
    for (let i = 0; i < names.length; i += 100) {
      const batch = await Promise.all(
        names.slice(i, i + 100).map((n) => rawPost(gw.url, `/v2/repository/models/${n}/load`)),
      );
      for (const r of batch) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 400: 2000, 404: 1000 });
    expect(await index()).toEqual(before);
    expect(await ready()).toBe(200);
  });

  it('a failed ad-hoc load (no version, empty version folder, corrupt config, corrupt ONNX) is UNAVAILABLE in the index with a path-free reason, readiness unchanged', async () => {
    mkdirSync(join(store, 'no-version'));
    mkdirSync(join(store, 'empty-version', '1'), { recursive: true });
    writeModel(store, 'bad-config', 1, v1);
    writeFileSync(join(store, 'bad-config', 'config.json'), '{"plugin": ');
    writeModel(store, 'unknown-field', 1, v1, { instancez: 2 });
    writeModel(store, 'corrupt-onnx', 1, new Uint8Array([8, 1, 18, 4, 1, 2, 3]));
    const cases: Array<[string, RegExp]> = [
      ['no-version', /no numeric version folder/],
      ['empty-version', /empty-version\/1 has no model\.onnx/],
      ['bad-config', /bad-config\/config\.json is not valid JSON/],
      ['unknown-field', /config\.json/],
      ['corrupt-onnx', /model 'corrupt-onnx' failed to load: .*Load model from corrupt-onnx\/1\/model\.onnx failed/],
    ];
    for (const [name, message] of cases) {
      const r = await load(name);
      expect(r.status, name).toBe(400);
      expect(r.body.error, name).toMatch(message);
      noPaths(r.body.error);
      expect(await ready(), name).toBe(200);
      const row = (await index()).find((e) => e.name === name)!;
      expect(row.state).toBe('UNAVAILABLE');
      expect(row.reason).toBe(r.body.error);
      const get = await postJson(`${gw.url}/v2/models/${name}/infer`, infer);
      expect(get.status).toBe(503);
      noPaths(get.body.error);
    }
  });

  it('refuses a symlinked model folder, version folder or model file that leaves the store (400 CONFIG_INVALID)', async () => {
    mkdirSync(join(outside, 'elsewhere', '1'), { recursive: true });
    writeFileSync(join(outside, 'elsewhere', '1', 'model.onnx'), v1);
    symlinkSync(join(outside, 'elsewhere'), join(store, 'linked-model'));
    mkdirSync(join(store, 'linked-version'));
    symlinkSync(join(outside, 'elsewhere', '1'), join(store, 'linked-version', '1'));
    mkdirSync(join(store, 'linked-file', '1'), { recursive: true });
    symlinkSync(join(outside, 'elsewhere', '1', 'model.onnx'), join(store, 'linked-file', '1', 'model.onnx'));
    writeModel(store, 'labels-out', 1, v1, { labels: '../../../../../../etc/hostname' });
    for (const name of ['linked-model', 'linked-version', 'linked-file', 'labels-out']) {
      const r = await load(name);
      expect([r.status, r.body.code], name).toEqual([400, 'CONFIG_INVALID']);
      expect(r.body.error, name).toMatch(/resolves outside the model (store|folder)/);
      noPaths(r.body.error);
    }
    // A symlink that stays inside the store is fine.
    mkdirSync(join(store, 'alias'));
    symlinkSync(join(store, 'scale', '1'), join(store, 'alias', '1'));
    expect((await load('alias')).status).toBe(200);
    expect(await ready()).toBe(200);
  });

  it('refuses a source.json package that is not an npm package name', async () => {
    for (const pkg of ['../../../../tmp/x', '/etc', '@scope/../x', 'a/b/c']) {
      mkdirSync(join(store, 'pkg-out', '1'), { recursive: true });
      writeFileSync(
        join(store, 'pkg-out', '1', 'source.json'),
        JSON.stringify({ package: pkg, path: 'index.js', format: 'tfjs-minjs' }),
      );
      const r = await load('pkg-out');
      expect([r.status, r.body.code], pkg).toEqual([400, 'CONFIG_INVALID']);
      expect(r.body.error).toMatch(/is not an npm package name/);
    }
    expect(await ready()).toBe(200);
  });

  it('a wrong sha256 fails the load and the old version keeps answering; so does a model file corrupted on disk before a reload', async () => {
    writeModel(store, 'wrong-hash', 1, v1, { sha256: 'ab'.repeat(32) });
    const wrong = await load('wrong-hash');
    expect([wrong.status, wrong.body.code]).toEqual([400, 'MODEL_LOAD_FAILED']);
    expect(wrong.body.error).toMatch(/wrong-hash\/1\/model\.onnx has sha256 [0-9a-f]{64}, config\.json expects abab/);
    expect(await ready()).toBe(200);

    // Reload of a serving model with a wrong digest in its config.
    writeFileSync(join(store, 'pinned', 'config.json'), JSON.stringify({ sha256: 'cd'.repeat(32) }));
    expect((await load('pinned')).status).toBe(400);
    // The model file corrupted on disk, the config's digest right: the reload fails too.
    writeFileSync(join(store, 'pinned', 'config.json'), JSON.stringify({ sha256: { 1: sha(v1) } }));
    writeFileSync(join(store, 'pinned', '1', 'model.onnx'), Buffer.concat([Buffer.from(v1), Buffer.from([0])]));
    const reload = await load('pinned');
    expect([reload.status, reload.body.code]).toEqual([400, 'MODEL_LOAD_FAILED']);
    expect(reload.body.error).toMatch(/pinned\/1\/model\.onnx has sha256/);
    noPaths(reload.body.error);
    const r = await postJson(`${gw.url}/v2/models/pinned/infer`, infer);
    expect([r.status, r.body.outputs[0].data]).toEqual([200, [2, 2, 2, 2]]);
    expect((await index()).find((e) => e.name === 'pinned')!.state).toBe('READY');
    expect(await ready()).toBe(200);
    // The file restored: the reload succeeds.
    writeFileSync(join(store, 'pinned', '1', 'model.onnx'), v1);
    expect((await load('pinned')).status).toBe(200);
  });

  it('readiness follows required models: a start-up model unloaded stops counting, a successful explicit load starts counting', async () => {
    writeModel(store, 'later', 1, v1);
    expect((await load('later')).status).toBe(200);
    // Break it on disk and unload: not required any more, so a failed load does not make the server unready.
    expect((await postJson(`${gw.url}/v2/repository/models/later/unload`, {})).status).toBe(200);
    writeFileSync(join(store, 'later', '1', 'model.onnx'), new Uint8Array([1, 2, 3]));
    expect((await load('later')).status).toBe(400);
    expect(await ready()).toBe(200);
    expect((await postJson(`${gw.url}/v2/repository/models/never-there/unload`, {})).status).toBe(404);
  });
});
