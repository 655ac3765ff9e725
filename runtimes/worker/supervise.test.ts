import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RuntimeSession } from '../runtime.ts';
import type { WorkerHooks } from './index.ts';
import { WorkerExitedError } from './exited.ts';
import { superviseWorker } from './supervise.ts';
import type { WorkerData } from './protocol.ts';

/** A fake worker loader: each load gives a session whose death the test triggers with `kill()`. */
function fakeWorkers() {
  const loads: Array<{ hooks: WorkerHooks; disposed: boolean }> = [];
  let failLoads = 0;
  const load = async (_data: WorkerData, hooks: WorkerHooks): Promise<RuntimeSession> => {
    if (failLoads > 0) {
      failLoads--;
      throw new Error('load failed');
    }
    const me = { hooks, disposed: false };
    loads.push(me);
    return {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
      provider: 'cpu',
      run: async (feeds) => ({ y: { ...feeds.x!, name: 'y' } }),
      dispose: async () => {
        me.disposed = true;
      },
    };
  };
  return {
    load,
    loads,
    kill: () => loads.at(-1)!.hooks.onExit?.(new WorkerExitedError('code 1', 1)),
    failNext: (n: number) => {
      failLoads = n;
    },
  };
}

const data: WorkerData = { runtime: 'onnx', spec: { path: 'm.onnx' } };

describe('superviseWorker', () => {
  afterEach(() => vi.useRealTimers());

  it('turns not-live at once when its worker exits and restarts it with exponential back-off', async () => {
    vi.useFakeTimers();
    const w = fakeWorkers();
    const events: string[] = [];
    const s = await superviseWorker(data, {
      load: w.load,
      backoff: { baseMs: 500, maxMs: 4000 },
      hooks: {
        onExit: (_e, _c, ms) => events.push(`exit ${ms}`),
        onRestart: (n) => events.push(`restart ${n}`),
        onRestartFailed: (_e, n, ms) => events.push(`failed ${n} ${ms}`),
      },
    });
    const changes: boolean[] = [];
    s.watch((live) => changes.push(live));
    w.kill();
    expect(s.live).toBe(false);
    await expect(
      s.run({ x: { name: 'x', datatype: 'FP32', shape: [1], data: new Float32Array([1]) } }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    w.failNext(2);
    await vi.advanceTimersByTimeAsync(499);
    expect(w.loads).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // 500: fails
    await vi.advanceTimersByTimeAsync(1000); // +1000: fails
    await vi.advanceTimersByTimeAsync(1999);
    expect(s.live).toBe(false);
    await vi.advanceTimersByTimeAsync(1); // +2000: loads
    expect(s.live).toBe(true);
    expect(events).toEqual(['exit 500', 'failed 1 1000', 'failed 2 2000', 'restart 3']);
    expect(changes).toEqual([false, true]);
    const out = await s.run({ x: { name: 'x', datatype: 'FP32', shape: [1], data: new Float32Array([3]) } });
    expect(out.y!.data[0]).toBe(3);
    // Dying again soon after: the back-off keeps growing, capped at maxMs.
    w.kill();
    expect(events.at(-1)).toBe('exit 4000');
    await s.dispose();
  });

  it('stops restarting once disposed', async () => {
    vi.useFakeTimers();
    const w = fakeWorkers();
    const s = await superviseWorker(data, { load: w.load, backoff: { baseMs: 100, maxMs: 100 } });
    w.kill();
    await s.dispose();
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.loads).toHaveLength(1);
    expect(s.live).toBe(false);
  });
});
