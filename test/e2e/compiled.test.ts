import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildDist,
  runCompiledUntilExit,
  startCompiled,
  startCommand,
  type CompiledGateway,
} from '../support/compiled.ts';
import { scaleSumModel, tempStore, writeModel } from '../support/tiny-models.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
/** An external runtime package in plain JavaScript, and a JavaScript plugin that imports `massgate/plugin`. */
const ECHO = here('../../examples/runtime-echo');
const JS_PLUGIN = here('../fixtures/js-plugin');

const infer = (url: string, model: string, body: unknown) =>
  fetch(`${url}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('the compiled gateway (npm start: dist/, no tsx)', () => {
  let gw: CompiledGateway;
  beforeAll(async () => {
    buildDist();
    const store = tempStore();
    writeModel(store, 'tiny', 1, scaleSumModel(), { instances: 2 });
    writeModel(store, 'tiny-js', 1, scaleSumModel(), { plugin: 'js-sum' });
    cpSync(join(ECHO, 'store', 'echo'), join(store, 'echo'), { recursive: true });
    gw = await startCompiled({ MODEL_STORE: store, PLUGINS: `${ECHO},${JS_PLUGIN}` });
  });
  afterAll(() => gw?.kill());

  it('npm start runs compiled JavaScript', () => {
    expect(startCommand().at(-1)).toBe('dist/gateway/main.js');
    expect(startCommand().join(' ')).not.toMatch(/tsx/);
  });

  it('starts its worker threads without tsx, serves, and exits 0 on SIGTERM', async () => {
    await gw.seen('ready');
    expect((await fetch(`${gw.url}/v2/health/ready`)).status).toBe(200);
    // The guard ran in the main thread and in every instance's thread (tiny 2, tiny-js 1, echo 2), so none could load
    // tsx.
    expect(gw.other.filter((l) => l.startsWith('no-tsx guard: thread')).length).toBeGreaterThanOrEqual(6);
    expect(gw.lines.find((l) => l.msg === 'model version loaded' && l.model === 'tiny')).toMatchObject({
      instances: 2,
    });
    expect(gw.lines.find((l) => l.msg === 'model version loaded' && l.model === 'echo')).toMatchObject({
      runtime: 'echo',
      instances: 2,
    });

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
    // So are the console's files (the repository's console/: served as they are, nothing to compile).
    const page = await fetch(`${gw.url}/console`);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(await page.text()).toContain('/console/main.js');
    expect((await fetch(`${gw.url}/console/main.js`)).headers.get('content-type')).toBe(
      'text/javascript; charset=utf-8',
    );

    // An external runtime (a JavaScript package) runs in worker threads that import it by its URL.
    const echo = await infer(gw.url, 'echo', {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }],
    });
    expect(echo.status).toBe(200);
    const echoed = Object.fromEntries(
      ((await echo.json()) as { outputs: Array<{ name: string; data: number[] }> }).outputs.map((o) => [
        o.name,
        o.data,
      ]),
    );
    expect(echoed.y).toEqual([3, 6, 9, 12]);
    expect(echoed.thread![0]).toBeGreaterThan(0);

    // A JavaScript plugin importing `massgate/plugin` gets the compiled API: its errors are the gateway's own.
    const predict = (instances: unknown) =>
      fetch(`${gw.url}/v1/models/tiny-js:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances }),
      });
    const ok = await predict([[1, 2, 3, 4]]);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { predictions: unknown[] }).predictions).toEqual([{ sum: 10 }]);
    const bad = await predict(['nope']);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('an array of 4 numbers');

    expect(await gw.stop()).toBe(0);
    expect(gw.lines.find((l) => l.msg === 'stopped')).toMatchObject({ drained: true });
    expect(gw.other.filter((l) => l.includes('Error'))).toEqual([]);
  });

  it('refuses a TypeScript plugin at start-up with the way out, and exits 1', async () => {
    // Without the guard: what plain Node does with a .ts module is what the operator meets.
    const run = await runCompiledUntilExit(
      { MODEL_STORE: tempStore(), PLUGINS: here('../../examples/image-stats') },
      { guard: false },
    );
    expect(run.code).toBe(1);
    const failed = run.lines.find((l) => l.msg === 'start-up failed');
    expect(String(failed?.error)).toMatch(
      /plugin source '.*image-stats' failed to load: .*imports JavaScript only.*npm run dev/,
    );
  });
});
