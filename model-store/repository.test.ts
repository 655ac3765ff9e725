import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setLogLevel } from '../core/log.ts';
import { tempStore } from '../test/support/tiny-models.ts';
import { ModelRepository, type LoadedVersion } from './repository.ts';

setLogLevel('silent');

/** A loader that "loads" any version unless its folder holds a file named `fail` (whose text is the error). */
function repo(store: string) {
  const closed: string[] = [];
  const r = new ModelRepository<LoadedVersion & { name: string }>(store, async (entry, v) => {
    try {
      throw new Error(readFileSync(join(v.dir, 'fail'), 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return { name: entry.name, version: v.version, close: async () => void closed.push(`${entry.name}/${v.version}`) };
  });
  return { r, closed };
}

function model(store: string, name: string, versions = [1]): void {
  for (const v of versions) {
    mkdirSync(join(store, name, String(v)), { recursive: true });
    writeFileSync(join(store, name, String(v), 'model.onnx'), 'x');
  }
}

describe('ModelRepository readiness and index', () => {
  it('an invalid or absent name is refused before anything is recorded', async () => {
    const store = tempStore();
    model(store, 'a');
    const { r } = repo(store);
    await r.load('a', { required: true });
    for (const n of ['-x', '..', '/etc/passwd', 'x'.repeat(8192)]) {
      await expect(r.load(n)).rejects.toMatchObject({ code: 'INVALID_NAME' });
      await expect(r.unload(n)).rejects.toMatchObject({ code: 'INVALID_NAME' });
      expect(() => r.get(n)).toThrow(expect.objectContaining({ code: 'INVALID_NAME' }));
    }
    await expect(r.load('absent')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    await expect(r.unload('absent')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    expect(() => r.get('a', '1abc')).toThrow(expect.objectContaining({ code: 'INVALID_NAME' })); // neither a version nor a label
    expect(() => r.get('a', 'abc')).toThrow(expect.objectContaining({ code: 'VERSION_NOT_FOUND' })); // a label it does not have
    expect(r.index().map((e) => e.name)).toEqual(['a']);
    expect(r.ready()).toBe(true);
  });

  it('a failed explicit load is UNAVAILABLE with its reason but leaves readiness alone; so does a failed start-up load while another model serves', async () => {
    const store = tempStore();
    model(store, 'ok');
    model(store, 'broken');
    writeFileSync(join(store, 'broken', '1', 'fail'), `cannot read ${join(store, 'broken', '1', 'model.onnx')}`);
    const { r } = repo(store);
    await r.load('ok', { required: true });
    await expect(r.load('broken')).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      message: "model 'broken' failed to load: cannot read broken/1/model.onnx",
    });
    expect(r.index().find((e) => e.name === 'broken')).toEqual({
      name: 'broken',
      state: 'UNAVAILABLE',
      reason: "model 'broken' failed to load: cannot read broken/1/model.onnx",
    });
    expect(r.ready()).toBe(true);
    await expect(r.load('broken', { required: true })).rejects.toThrow();
    expect(r.ready()).toBe(true); // serving what it can: 'ok'
    expect(r.unavailableModels()).toEqual(['broken']);
    expect(r.states()).toEqual(
      expect.arrayContaining([
        { name: 'ok', ready: true },
        { name: 'broken', ready: false },
      ]),
    );
    expect(() => r.get('broken')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_READY' }));
    await r.unload('ok');
    expect(r.ready()).toBe(false); // every model it was configured to serve failed
    await r.unload('broken');
    expect(r.ready()).toBe(true);
  });

  it('is not ready while a model it was configured to serve is still loading', async () => {
    const store = tempStore();
    model(store, 'fast');
    model(store, 'slow');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const loading = new Promise<void>((resolve) => {
      started = resolve;
    });
    const r = new ModelRepository<LoadedVersion>(store, async (entry, v) => {
      if (entry.name === 'slow') {
        started();
        await gate;
      }
      return { version: v.version, close: async () => {} };
    });
    await r.load('fast', { required: true });
    const slow = r.load('slow', { required: true });
    await loading;
    expect(r.index().find((e) => e.name === 'slow')?.state).toBe('LOADING');
    expect(r.ready()).toBe(false);
    release();
    await slow;
    expect(r.ready()).toBe(true);
  });

  it('a failed reload of a serving model keeps the old versions serving and the server ready', async () => {
    const store = tempStore();
    model(store, 'm');
    const { r, closed } = repo(store);
    await r.load('m');
    model(store, 'm', [2]);
    writeFileSync(join(store, 'm', '2', 'fail'), 'bad file');
    await expect(r.load('m')).rejects.toThrow(/bad file/);
    expect(r.get('m').version).toBe(1);
    expect(closed).toEqual([]);
    expect(r.ready()).toBe(true);
    rmSync(join(store, 'm', '2', 'fail'));
    await r.load('m');
    expect([r.get('m').version, closed]).toEqual([2, ['m/1']]);
  });

  it('a successful explicit load makes a model count for readiness', async () => {
    const store = tempStore();
    model(store, 'm');
    const { r } = repo(store);
    await r.load('m');
    await r.close();
    expect(r.ready()).toBe(false);
  });

  it('forgets a model whose folder is gone once it is unloaded or fails to load', async () => {
    const store = tempStore();
    model(store, 'gone');
    const { r } = repo(store);
    await r.load('gone');
    rmSync(join(store, 'gone'), { recursive: true });
    await expect(r.load('gone')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    expect(r.get('gone').version).toBe(1); // still serving what it loaded
    await r.unload('gone');
    expect(r.index()).toEqual([]);
  });
});

describe('ModelRepository default version and labelled versions', () => {
  it("a labelled version stays loaded beside the policy's, and `stable` is the default version", async () => {
    const store = tempStore();
    model(store, 'm', [1, 2]); // default policy: the latest version only
    writeFileSync(join(store, 'm', 'version-labels.json'), JSON.stringify({ stable: 1 }));
    const { r, closed } = repo(store);
    await r.load('m', { required: true });
    expect(r.versionsOf('m').map((v) => v.version)).toEqual([2, 1]);
    expect(r.get('m').version).toBe(1); // stable wins over the newest
    expect(r.get('m', '2').version).toBe(2);
    await r.setLabel('m', 'stable', 2);
    expect(r.get('m').version).toBe(2);
    await r.deleteLabel('m', 'stable');
    await r.load('m');
    expect(r.versionsOf('m').map((v) => v.version)).toEqual([2]); // unlabelled and outside the policy: unloaded
    expect(closed).toContain('m/1');
    expect(r.get('m').version).toBe(2);
  });
});

describe('ModelRepository lazy models (load on first use)', () => {
  it('a deferred model loads on its first use, once for concurrent callers, and never blocks readiness', async () => {
    const store = tempStore();
    model(store, 'eager');
    model(store, 'lazy');
    const loads: string[] = [];
    const r = new ModelRepository<LoadedVersion>(store, async (entry, v) => {
      loads.push(entry.name);
      return { version: v.version, close: async () => {} };
    });
    await r.load('eager', { required: true });
    r.defer('lazy');
    expect(loads).toEqual(['eager']);
    expect(r.ready()).toBe(true);
    expect(r.index().find((e) => e.name === 'lazy')).toEqual({
      name: 'lazy',
      state: 'UNAVAILABLE',
      reason: 'not loaded yet: loads on its first request ("load": "lazy")',
    });
    expect(() => r.get('lazy', undefined, false)).toThrow(expect.objectContaining({ code: 'MODEL_NOT_READY' }));
    expect(loads).toEqual(['eager']); // a probe does not load it
    const [a, b] = await Promise.all([r.acquire('lazy'), r.acquire('lazy')]);
    expect([a.version, b.version]).toEqual([1, 1]);
    expect(loads).toEqual(['eager', 'lazy']);
    expect(r.readyModels()).toEqual(['eager', 'lazy']);
    expect(r.ready()).toBe(true);
  });

  it("a lazy model's failed first load answers MODEL_NOT_READY with the reason, is in the index, and is not retried", async () => {
    const store = tempStore();
    model(store, 'lazy');
    writeFileSync(join(store, 'lazy', '1', 'fail'), 'corrupt weights');
    const { r } = repo(store);
    r.defer('lazy');
    await expect(r.acquire('lazy')).rejects.toMatchObject({
      code: 'MODEL_NOT_READY',
      message: expect.stringContaining('corrupt weights'),
    });
    expect(r.index()[0]).toMatchObject({
      name: 'lazy',
      state: 'UNAVAILABLE',
      reason: expect.stringContaining('corrupt'),
    });
    rmSync(join(store, 'lazy', '1', 'fail'));
    await expect(r.acquire('lazy')).rejects.toMatchObject({ code: 'MODEL_NOT_READY' }); // not retried by requests
    await r.load('lazy'); // an operator's load call does
    expect((await r.acquire('lazy')).version).toBe(1);
  });
});
