import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { runtimeConformance } from '../../runtimes/conformance.ts';
import { getRuntime, runtimeNames } from '../../runtimes/registry.ts';
import { loadInWorker } from '../../runtimes/worker/index.ts';
import { loadPlugins } from '../../plugins/registry.ts';
import { entryOf } from '../../plugins/source-entry.ts';
import type { Tensor } from '../../core/tensor.ts';
import { postJson, startGateway, type RunningGateway } from '../support/gateway.ts';

/**
 * An external runtime shipped as a package of plain JavaScript (examples/runtime-echo): y = 3·x, and the thread that
 * ran it.
 */
const ECHO = fileURLToPath(new URL('../../examples/runtime-echo', import.meta.url));
const MODEL = join(ECHO, 'store', 'echo', '1', 'model.json');
const feeds = (rows: number): Record<string, Tensor> => ({
  x: { name: 'x', datatype: 'FP32', shape: [rows, 4], data: Float32Array.from({ length: rows * 4 }, (_, i) => i + 1) },
});

// Registered the way the gateway does it: PLUGINS names the package folder, the registry imports its entry.
const registered = loadPlugins([ECHO], runtimeNames());

runtimeConformance('echo, registered from examples/runtime-echo', {
  load: async () => {
    await registered;
    return (await getRuntime('echo')).load({ path: MODEL });
  },
  feeds,
});

// The same suite on a worker thread that knows the runtime only by its module URL (WorkerData.runtimeModule).
runtimeConformance('echo in a worker thread, by its module URL', {
  load: () => loadInWorker({ runtime: 'echo', runtimeModule: entryOf(ECHO, process.cwd()), spec: { path: MODEL } }),
  feeds,
});

describe('an external runtime served end to end (PLUGINS=examples/runtime-echo)', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ MODEL_STORE: join(ECHO, 'store'), PLUGINS: ECHO });
  });
  afterAll(() => gw?.close());

  it('is registered from the package entry and runs in the model’s worker threads', async () => {
    expect(runtimeNames()).toContain('echo');
    const r = await postJson(`${gw.url}/v2/models/echo/infer`, {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8] }],
    });
    expect(r.status).toBe(200);
    const out = Object.fromEntries(
      (r.body.outputs as Array<{ name: string; data: number[] }>).map((o) => [o.name, o.data]),
    );
    expect(out.y).toEqual([3, 6, 9, 12, 15, 18, 21, 24]);
    // Thread 0 is the main thread: the rows were computed in an instance's worker thread.
    expect(out.thread).toHaveLength(2);
    for (const id of out.thread!) expect(id).toBeGreaterThan(0);
    const meta = await (await fetch(`${gw.url}/v2/models/echo`)).json();
    expect(meta.parameters.runtime).toBe('echo');
  });

  it('passes the runtime’s own input errors through as client errors', async () => {
    const r = await postJson(`${gw.url}/v2/models/echo/infer`, {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }],
    });
    expect(r.status).toBe(400);
  });
});
