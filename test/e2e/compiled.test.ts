import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, startCompiled, startCommand, type CompiledGateway } from '../support/compiled.ts';
import { scaleSumModel, tempStore, writeModel } from '../support/tiny-models.ts';

const infer = (url: string, model: string, body: unknown) =>
  fetch(`${url}/v2/models/${model}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the compiled gateway (npm start: dist/, no tsx)', () => {
  let gw: CompiledGateway;
  beforeAll(async () => {
    buildDist();
    const store = tempStore();
    writeModel(store, 'tiny', 1, scaleSumModel(), { instances: 2 });
    gw = await startCompiled({ MODEL_STORE: store });
  });
  afterAll(() => gw?.kill());

  it('npm start runs compiled JavaScript', () => {
    expect(startCommand().at(-1)).toBe('dist/gateway/main.js');
    expect(startCommand().join(' ')).not.toMatch(/tsx/);
  });

  it('starts its worker threads without tsx, serves, and exits 0 on SIGTERM', async () => {
    await gw.seen('ready');
    expect((await fetch(`${gw.url}/v2/health/ready`)).status).toBe(200);
    // The guard ran in the main thread and in both instances' threads, so none of them could load tsx.
    expect(gw.other.filter((l) => l.startsWith('no-tsx guard: thread')).length).toBeGreaterThanOrEqual(3);
    expect(gw.lines.find((l) => l.msg === 'model version loaded')).toMatchObject({ model: 'tiny', instances: 2 });

    const r = await infer(gw.url, 'tiny', {
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] },
        { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [7, 8] },
      ],
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { outputs: Array<{ name: string; data: number[] }> };
    expect(body.outputs.find((o) => o.name === 'y')?.data).toEqual([2, 4, 6, 8]);
    // The server's version comes from package.json, found from dist/ as from the sources.
    expect(((await (await fetch(`${gw.url}/v2`)).json()) as { version: string }).version).toBe('0.1.0');

    expect(await gw.stop()).toBe(0);
    expect(gw.lines.find((l) => l.msg === 'stopped')).toMatchObject({ drained: true });
    expect(gw.other.filter((l) => l.includes('Error'))).toEqual([]);
  });
});
