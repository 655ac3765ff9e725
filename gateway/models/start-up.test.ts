import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setLogLevel } from '../../core/log.ts';
import { ModelRepository } from '../../model-store/repository.ts';
import { listModels } from '../../model-store/scan.ts';
import { tempStore } from '../../test/support/tiny-models.ts';
import type { Servable } from './servable.ts';
import { loadAtStartUp, withCompanions } from './start-up.ts';

setLogLevel('silent');

function model(store: string, name: string, config?: unknown): void {
  mkdirSync(join(store, name, '1'), { recursive: true });
  writeFileSync(join(store, name, '1', 'model.onnx'), 'x');
  if (config !== undefined) writeFileSync(join(store, name, 'config.json'), JSON.stringify(config));
}

/** A repository whose loads take a few turns of the event loop, recording how many overlap and in which order. */
function recordingRepository(store: string, failing: string[] = []) {
  const order: string[] = [];
  let inFlight = 0;
  let most = 0;
  const repository = new ModelRepository<Servable>(store, async (entry, v) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    inFlight -= 1;
    order.push(entry.name);
    if (failing.includes(entry.name)) throw new Error('corrupt model file');
    return { version: v.version, close: async () => {} } as unknown as Servable;
  });
  return { repository, order, most: () => most };
}

describe('loading the store at start-up', () => {
  it('loads models `concurrency` at a time, then ensembles; leaves lazy models for their first use; reports failures', async () => {
    const store = tempStore();
    for (const name of ['a', 'b', 'c', 'd', 'e']) model(store, name);
    model(store, 'broken');
    model(store, 'big', { load: 'lazy' });
    model(store, 'all', { ensemble: { members: ['a', 'b'] } });
    const { repository, order, most } = recordingRepository(store, ['broken']);
    const { failures, deferred } = await loadAtStartUp({
      repository,
      store,
      names: listModels(store),
      listed: false,
      concurrency: 3,
    });
    expect(most()).toBe(3);
    expect(order.at(-1)).toBe('all'); // the ensemble after every model
    expect(order).not.toContain('big');
    expect(deferred).toEqual(['big']);
    expect([...failures.keys()]).toEqual(['broken']);
    expect(failures.get('broken')).toContain('corrupt model file');
    expect(repository.index().find((e) => e.name === 'big')).toMatchObject({ state: 'UNAVAILABLE' });
    expect(repository.ready()).toBe(true);
  });

  it('one at a time with concurrency 1; a lazy model the operator listed (LOAD_MODELS) loads at once', async () => {
    const store = tempStore();
    for (const name of ['a', 'b', 'c']) model(store, name);
    model(store, 'big', { load: 'lazy' });
    const { repository, order, most } = recordingRepository(store);
    const { deferred } = await loadAtStartUp({ repository, store, names: ['a', 'big'], listed: true, concurrency: 1 });
    expect(most()).toBe(1);
    expect(order.sort()).toEqual(['a', 'big']);
    expect(deferred).toEqual([]);
  });
});

describe('withCompanions', () => {
  it('adds what listed models need: ensemble members and the models their configs name, recursively, once each', () => {
    const store = tempStore();
    model(store, 'rec');
    model(store, 'cls');
    model(store, 'det');
    model(store, 'page', { params: { recognizer: 'rec', classifier: 'cls', note: 'not a model', size: 3 } });
    model(store, 'face', { params: { detector: 'det' } });
    model(store, 'vote', { ensemble: { members: ['face', { model: 'page' }], detector: 'det' } });
    model(store, 'alone');
    const all = listModels(store);
    expect(withCompanions(store, ['page'], all)).toEqual(['page', 'rec', 'cls']);
    expect(withCompanions(store, ['vote'], all)).toEqual(['vote', 'face', 'det', 'page', 'rec', 'cls']);
    expect(withCompanions(store, ['alone', 'missing'], all)).toEqual(['alone', 'missing']);
  });
});
