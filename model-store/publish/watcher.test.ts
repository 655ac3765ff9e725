import { describe, expect, it, vi } from 'vitest';
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setLogLevel } from '../../core/log.ts';
import { tempStore } from '../../test/support/tiny-models.ts';
import { ModelRepository, type LoadedVersion } from '../repository.ts';
import { StoreWatcher } from './watcher.ts';

setLogLevel('silent');

/** A repository whose loader "loads" a version unless its model file starts with `corrupt` (then it throws). */
function setup() {
  const store = tempStore();
  const loads: string[] = [];
  const repo = new ModelRepository<LoadedVersion & { text: string }>(store, async (entry, v) => {
    const text = readFileSync(v.path, 'utf8');
    loads.push(`${entry.name}/${v.version}`);
    if (text.startsWith('corrupt')) throw new Error(`protobuf parsing failed in ${v.path}`);
    return { version: v.version, text, close: async () => {} };
  });
  const watcher = new StoreWatcher(repo, { pollMs: 1_000_000, fsWatch: false });
  return { store, repo, watcher, loads };
}

/** A watcher over model `m` serving version 1, its first check done (the baseline). */
async function servingV1() {
  const parts = setup();
  version(parts.store, 'm', 1);
  await parts.repo.load('m', { required: true });
  await parts.watcher.check();
  return parts;
}

function version(store: string, name: string, v: number | string, text = `model ${v}`): void {
  mkdirSync(join(store, name, String(v)), { recursive: true });
  writeFileSync(join(store, name, String(v), 'model.onnx'), text);
}

const serving = (repo: ModelRepository<LoadedVersion>, name: string) => repo.versionsOf(name).map((l) => l.version);

describe('StoreWatcher', () => {
  it('publishes a version created by a rename once it has stayed unchanged for two polls; hidden folders are ignored', async () => {
    const { store, repo, watcher } = await servingV1();
    version(store, 'm', '.tmp-2', 'model 2');
    await watcher.check();
    await watcher.check();
    await watcher.check();
    expect(serving(repo, 'm')).toEqual([1]);
    expect(watcher.stats.loads).toBe(0);
    renameSync(join(store, 'm', '.tmp-2'), join(store, 'm', '2'));
    await watcher.check(); // first seen
    await watcher.check(); // unchanged once
    expect(serving(repo, 'm')).toEqual([1]);
    await watcher.check(); // unchanged twice: published
    expect(serving(repo, 'm')).toEqual([2]);
    expect(repo.get('m').text).toBe('model 2');
    await watcher.check();
    expect(watcher.stats.loads).toBe(1);
  });

  it('a READY marker publishes at the next check', async () => {
    const { store, repo, watcher } = await servingV1();
    version(store, 'm', 2);
    writeFileSync(join(store, 'm', '2', 'READY'), '');
    await watcher.check('event'); // an fs.watch event is enough with a marker
    expect(serving(repo, 'm')).toEqual([2]);
  });

  it('does not load a file written slowly, chunk after chunk between polls, before it stops changing', async () => {
    const { store, repo, watcher, loads } = await servingV1();
    mkdirSync(join(store, 'm', '3'));
    await watcher.check(); // an empty folder is not a version yet
    const file = join(store, 'm', '3', 'model.onnx');
    for (let i = 0; i < 8; i++) {
      appendFileSync(file, `chunk ${i};`);
      await watcher.check();
      await watcher.check('event'); // events do not count as polls
      expect(serving(repo, 'm')).toEqual([1]);
    }
    expect(loads).toEqual(['m/1']);
    await watcher.check();
    await watcher.check();
    expect(serving(repo, 'm')).toEqual([3]);
    expect(repo.get('m').text).toBe(Array.from({ length: 8 }, (_, i) => `chunk ${i};`).join(''));
  });

  it('a corrupt version leaves the old one serving, shows in the index, and is retried only when it changes', async () => {
    const { store, repo, watcher, loads } = await servingV1();
    version(store, 'm', 4, 'corrupt bytes');
    writeFileSync(join(store, 'm', '4', 'READY'), '');
    const events: unknown[] = [];
    watcher.on('publish', (e) => events.push(e));
    for (let i = 0; i < 5; i++) await watcher.check();
    expect(serving(repo, 'm')).toEqual([1]);
    expect(loads.filter((l) => l === 'm/4')).toHaveLength(1);
    expect(events).toEqual([
      expect.objectContaining({
        model: 'm',
        ok: false,
        error: expect.stringMatching(/protobuf parsing failed in m\/4\/model\.onnx/),
      }),
    ]);
    expect(repo.index()).toEqual([
      { name: 'm', version: '1', state: 'READY', reason: '' },
      {
        name: 'm',
        version: '4',
        state: 'UNAVAILABLE',
        reason: expect.stringMatching(/^model 'm' failed to load: protobuf parsing failed in m\/4\/model\.onnx$/),
      },
    ]);
    expect(repo.ready()).toBe(true);
    writeFileSync(join(store, 'm', '4', 'model.onnx'), 'model 4 fixed');
    await watcher.check();
    expect(serving(repo, 'm')).toEqual([4]);
    expect(repo.index()).toEqual([{ name: 'm', version: '4', state: 'READY', reason: '' }]);
  });

  it('removing the serving version falls back to the one before; removing every version keeps serving and says why', async () => {
    const { store, repo, watcher } = setup();
    version(store, 'm', 1);
    version(store, 'm', 2);
    await repo.load('m', { required: true });
    await watcher.check();
    expect(serving(repo, 'm')).toEqual([2]);
    rmSync(join(store, 'm', '2'), { recursive: true });
    await watcher.check();
    expect(serving(repo, 'm')).toEqual([1]);
    rmSync(join(store, 'm', '1'), { recursive: true });
    await watcher.check();
    expect(serving(repo, 'm')).toEqual([1]);
    expect(repo.index()).toEqual([
      { name: 'm', version: '1', state: 'READY', reason: '' },
      { name: 'm', state: 'UNAVAILABLE', reason: expect.stringMatching(/no numeric version folder/) },
    ]);
  });

  it('leaves models alone that are not serving, and the store vanishing crashes nothing', async () => {
    const { store, repo, watcher, loads } = setup();
    version(store, 'idle', 1);
    await watcher.check();
    version(store, 'idle', 2);
    writeFileSync(join(store, 'idle', '2', 'READY'), '');
    await watcher.check();
    expect(loads).toEqual([]);
    version(store, 'm', 1);
    await repo.load('m');
    await watcher.check();
    rmSync(store, { recursive: true });
    await watcher.check();
    expect(serving(repo, 'm')).toEqual([1]);
    await watcher.close();
  });

  it('a model unloaded while its new version settles is not brought back; an explicitly loaded one is watched', async () => {
    const { store, repo, watcher, loads } = await servingV1();
    version(store, 'm', 2);
    await watcher.check();
    await watcher.check();
    const unloading = repo.unload('m');
    const checking = watcher.check();
    await Promise.all([unloading, checking]);
    expect(serving(repo, 'm')).toEqual([]);
    // The watcher's reload, should it be queued behind an unload, is skipped at its turn.
    expect(await repo.load('m', { ifServing: true })).toBe(false);
    expect(loads).toEqual(['m/1']);
    await repo.load('m');
    expect(serving(repo, 'm')).toEqual([2]);
    await watcher.check();
    version(store, 'm', 3);
    writeFileSync(join(store, 'm', '3', 'READY'), '');
    await watcher.check();
    expect(serving(repo, 'm')).toEqual([3]);
  });

  it('a version already loaded by an API call is not loaded again by the watcher', async () => {
    const { store, repo, watcher, loads } = await servingV1();
    version(store, 'm', 2);
    await watcher.check();
    await repo.load('m'); // POST /v2/repository/models/m/load
    for (let i = 0; i < 4; i++) await watcher.check();
    expect(loads).toEqual(['m/1', 'm/2']);
    expect(watcher.stats.loads).toBe(0);
  });

  it('start() polls on its own and close() stops it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); // polls run on fake time; file system work stays real
    try {
      const { store, repo } = setup();
      version(store, 'm', 1);
      await repo.load('m', { required: true });
      const watcher = new StoreWatcher(repo, { pollMs: 10, fsWatch: false });
      watcher.start();
      version(store, 'm', 2);
      let published: unknown;
      watcher.once('publish', (e) => (published = e));
      while (!published) {
        await vi.advanceTimersByTimeAsync(10);
        await new Promise((r) => setImmediate(r)); // real: lets the check's file system work finish
      }
      expect(published).toEqual({ model: 'm', versions: [2, 1], ok: true });
      expect(serving(repo, 'm')).toEqual([2]);
      await watcher.close();
      const checks = watcher.stats.checks;
      await vi.advanceTimersByTimeAsync(10_000); // a thousand poll periods
      expect(watcher.stats.checks).toBe(checks);
    } finally {
      vi.useRealTimers();
    }
  });
});
