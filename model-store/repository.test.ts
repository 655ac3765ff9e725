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

  it('a failed explicit load is UNAVAILABLE with its reason but leaves readiness alone; a failed start-up load does not', async () => {
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
    expect(r.ready()).toBe(false);
    await r.unload('broken');
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
