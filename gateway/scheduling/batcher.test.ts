import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchingSchema } from '../../model-store/schema.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import type { Tensor } from '../../core/tensor.ts';
import { onnxRuntime } from '../../runtimes/onnx/index.ts';
import { scaleSumModel, tempStore } from '../../test/support/tiny-models.ts';
import { createScheduler } from './batcher.ts';
import type { SupervisedSession } from '../../runtimes/worker/supervise.ts';
import { WorkerExitedError } from '../../runtimes/worker/exited.ts';

/**
 * A recording instance: doubles each row of `x` ([rows, 2]) and keeps every batch it ran. `hold()`
 * makes the next runs wait until `release()`.
 */
function recorder(name = 'i') {
  const batches: number[][] = [];
  /** The output names each run was asked for. */
  const asked: Array<readonly string[] | undefined> = [];
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  let fail: Error | undefined;
  const session: RuntimeSession = {
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
    outputs: [
      { name: 'y', datatype: 'FP32', shape: [-1, 2] },
      { name: 'n', datatype: 'FP32', shape: [-1, 1] },
    ],
    provider: name,
    async run(feeds, outputs) {
      const x = feeds.x!;
      batches.push(Array.from(x.data as Float32Array));
      if (gate) await gate;
      if (fail) throw fail;
      const y = Float32Array.from(x.data as Float32Array, (v) => v * 2);
      const rows = x.shape[0]!;
      asked.push(outputs);
      const all: Record<string, Tensor> = {
        y: { name: 'y', datatype: 'FP32', shape: [rows, 2], data: y },
        n: { name: 'n', datatype: 'FP32', shape: [rows, 1], data: new Float32Array(rows).fill(rows) },
      };
      if (!outputs) return all;
      // 'h' (each row's sum) is internal: not declared, answered only when named.
      const h: Tensor = {
        name: 'h',
        datatype: 'FP32',
        shape: [rows, 1],
        data: Float32Array.from({ length: rows }, (_, r) => (x.data[2 * r] as number) + (x.data[2 * r + 1] as number)),
      };
      return Object.fromEntries(outputs.map((o) => [o, o === 'h' ? h : all[o]!]));
    },
    async dispose() {},
  };
  return {
    session,
    batches,
    asked,
    sizes: () => batches.map((b) => b.length / 2),
    hold() {
      gate = new Promise((r) => (open = r));
    },
    release() {
      gate = undefined;
      open?.();
    },
    failWith(e: Error) {
      fail = e;
    },
  };
}

const rowsOf = (...values: number[][]): Tensor => ({
  name: 'x',
  datatype: 'FP32',
  shape: [values.length, 2],
  data: Float32Array.from(values.flat()),
});
const config = (o: Record<string, unknown>) => BatchingSchema.parse(o);
const tick = () => new Promise((r) => setImmediate(r));

describe('dynamic batcher', () => {
  afterEach(() => vi.useRealTimers());

  it('counts rows, not requests: 3+3 fit in 8, the next 3 waits for the following batch', async () => {
    const r = recorder();
    r.hold();
    const s = createScheduler([r.session], config({ maxBatchSize: 8, maxQueueDelayMs: 20 }));
    const full = Array.from({ length: 8 }, () => [0, 0]);
    const blocker = s.submit({ x: rowsOf(...full) }); // a full batch: dispatched at once, occupies the instance
    await tick();
    const reqs = [1, 2, 3].map((k) => s.submit({ x: rowsOf([k, k], [k, k], [k, k]) }));
    r.release();
    await Promise.all([blocker, ...reqs]);
    expect(r.sizes()).toEqual([8, 6, 3]);
  });

  it('waits at most maxQueueDelayMs for companions', async () => {
    vi.useFakeTimers();
    const r = recorder();
    const s = createScheduler([r.session], config({ queueDelay: 'fixed', maxBatchSize: 8, maxQueueDelayMs: 50 }), {
      now: () => Date.now(),
    });
    const a = s.submit({ x: rowsOf([1, 1]) });
    await vi.advanceTimersByTimeAsync(30);
    expect(r.batches).toHaveLength(0);
    const b = s.submit({ x: rowsOf([2, 2]) });
    await vi.advanceTimersByTimeAsync(19);
    expect(r.batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2);
    await Promise.all([a, b]);
    expect(r.sizes()).toEqual([2]); // both went together once the oldest had waited 50 ms
  });

  it('counts the delay from when an instance could take the request, so a freed instance still gathers', async () => {
    vi.useFakeTimers();
    const r = recorder();
    r.hold();
    const s = createScheduler([r.session], config({ queueDelay: 'fixed', maxBatchSize: 8, maxQueueDelayMs: 50 }), {
      now: () => Date.now(),
    });
    const blocker = s.submit({ x: rowsOf(...Array.from({ length: 8 }, () => [0, 0])) });
    await vi.advanceTimersByTimeAsync(0);
    const a = s.submit({ x: rowsOf([1, 1]) });
    await vi.advanceTimersByTimeAsync(100); // a has queued 100 ms, all of it behind a busy instance
    r.release();
    await blocker;
    await vi.advanceTimersByTimeAsync(20);
    expect(r.sizes()).toEqual([8]); // a did not leave alone the moment the instance freed
    const b = s.submit({ x: rowsOf([2, 2]) });
    await vi.advanceTimersByTimeAsync(29);
    expect(r.sizes()).toEqual([8]);
    await vi.advanceTimersByTimeAsync(2);
    await Promise.all([a, b]);
    expect(r.sizes()).toEqual([8, 2]); // 50 ms after the instance freed, a and b went together
  });

  it('dispatches at once when the batch is full or reaches a preferred size', async () => {
    vi.useFakeTimers();
    const r = recorder();
    const s = createScheduler(
      [r.session],
      config({ queueDelay: 'fixed', maxBatchSize: 4, maxQueueDelayMs: 10_000, preferredBatchSizes: [2] }),
      { now: () => Date.now() },
    );
    const a = s.submit({ x: rowsOf([1, 1]) });
    const b = s.submit({ x: rowsOf([2, 2]) });
    await vi.advanceTimersByTimeAsync(0);
    await Promise.all([a, b]);
    expect(r.sizes()).toEqual([2]);
    const full = s.submit({ x: rowsOf([1, 1], [2, 2], [3, 3], [4, 4]) });
    await vi.advanceTimersByTimeAsync(0);
    await full;
    expect(r.sizes()).toEqual([2, 4]);
  });

  it('never exceeds maxBatchSize rows', async () => {
    const r = recorder();
    r.hold();
    const s = createScheduler([r.session], config({ maxBatchSize: 4, maxQueueDelayMs: 1 }));
    const all = Array.from({ length: 9 }, (_, i) => s.submit({ x: rowsOf([i, i]) }));
    await tick();
    r.release();
    await Promise.all(all);
    expect(Math.max(...r.sizes())).toBeLessThanOrEqual(4);
    expect(r.sizes().reduce((a, b) => a + b, 0)).toBe(9);
  });

  it('splits the queue evenly across instances that are free at the same moment', async () => {
    vi.useFakeTimers();
    const [a, b] = [recorder('a'), recorder('b')];
    const s = createScheduler(
      [a.session, b.session],
      config({ queueDelay: 'fixed', maxBatchSize: 8, maxQueueDelayMs: 10 }),
      {
        now: () => Date.now(),
      },
    );
    const reqs = Array.from({ length: 6 }, (_, i) => s.submit({ x: rowsOf([i, i]) }));
    await vi.advanceTimersByTimeAsync(11);
    await Promise.all(reqs);
    expect([...a.sizes(), ...b.sizes()]).toEqual([3, 3]); // not 6 on one instance while the other idles
    // One free instance (the other busy) still takes everything that is there.
    a.hold();
    b.hold();
    const blocker = s.submit({ x: rowsOf([9, 9]) });
    await vi.advanceTimersByTimeAsync(11);
    const more = Array.from({ length: 5 }, (_, i) => s.submit({ x: rowsOf([i, i]) }));
    await vi.advanceTimersByTimeAsync(11);
    expect([...a.sizes().slice(1), ...b.sizes().slice(1)].sort()).toEqual([1, 5]);
    a.release();
    b.release();
    await Promise.all([blocker, ...more]);
  });

  it('pads requests along declared axes to merge them, and gives each its own padded rows', async () => {
    vi.useFakeTimers();
    const shapes: number[][] = [];
    const identity: RuntimeSession = {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, -1, -1] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, -1, -1] }],
      provider: 'cpu',
      async run(feeds) {
        shapes.push([...feeds.x!.shape]);
        return { y: { ...feeds.x!, name: 'y' } };
      },
      async dispose() {},
    };
    const s = createScheduler(
      [identity],
      config({ queueDelay: 'fixed', maxBatchSize: 8, maxQueueDelayMs: 5, padding: { axes: [1, 2], value: -1 } }),
      { now: () => Date.now() },
    );
    const t = (shape: number[], data: number[]): Tensor => ({
      name: 'x',
      datatype: 'FP32',
      shape,
      data: Float32Array.from(data),
    });
    const a = s.submit({ x: t([1, 2, 2], [1, 2, 3, 4]) });
    const b = s.submit({ x: t([2, 1, 3], [5, 6, 7, 8, 9, 10]) });
    const c = s.submit({ x: t([1, 2], [0, 0]) }); // another rank: never merged
    await vi.advanceTimersByTimeAsync(6);
    const [ya, yb] = await Promise.all([a, b]);
    expect(shapes[0]).toEqual([3, 2, 3]);
    expect(ya.y!.shape).toEqual([1, 2, 3]);
    expect(Array.from(ya.y!.data as Float32Array)).toEqual([1, 2, -1, 3, 4, -1]);
    expect(yb.y!.shape).toEqual([2, 2, 3]);
    expect(Array.from(yb.y!.data as Float32Array)).toEqual([5, 6, 7, -1, -1, -1, 8, 9, 10, -1, -1, -1]);
    await vi.advanceTimersByTimeAsync(6);
    expect((await c).y!.shape).toEqual([1, 2]);
    expect(shapes).toHaveLength(2);
  });

  it('never merges requests whose non-batch dimensions or datatypes differ', async () => {
    const r = recorder();
    r.hold();
    const s = createScheduler([r.session], config({ maxBatchSize: 8, maxQueueDelayMs: 1 }));
    const blocker = s.submit({ x: rowsOf(...Array.from({ length: 8 }, () => [0, 0])) });
    await tick();
    const wide: Tensor = { name: 'x', datatype: 'FP32', shape: [1, 4], data: new Float32Array([1, 2, 3, 4]) };
    const ints: Tensor = { name: 'x', datatype: 'INT32', shape: [1, 2], data: new Int32Array([5, 6]) };
    const reqs = [
      s.submit({ x: rowsOf([1, 1]) }),
      s.submit({ x: wide }),
      s.submit({ x: ints }),
      s.submit({ x: rowsOf([2, 2]) }),
    ];
    r.release();
    await Promise.all([blocker, ...reqs]);
    expect(r.batches.map((b) => b.length)).toEqual([16, 4, 4, 2]); // blocker | [1,1]+[2,2] | wide | ints
    expect(r.batches[1]).toEqual([1, 1, 2, 2]);
  });

  it('answers TIMEOUT for a request that waits too long, and drops it from the queue', async () => {
    const r = recorder();
    r.hold();
    const s = createScheduler([r.session], config({ maxBatchSize: 1, timeoutMs: 60_000 }));
    const blocker = s.submit({ x: rowsOf([0, 0]) });
    const late = s.submit({ x: rowsOf([1, 1]) }, { timeoutMs: 20 });
    await expect(late).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(s.stats().queued).toBe(0);
    r.release();
    await blocker;
    await tick();
    expect(r.batches).toEqual([[0, 0]]); // the timed-out request never ran
  });

  it('answers TIMEOUT at the deadline even when the batch is already running', async () => {
    vi.useFakeTimers();
    const r = recorder();
    r.hold(); // the run starts and never finishes on its own
    const s = createScheduler([r.session], config({ maxBatchSize: 1 }), { now: () => Date.now() });
    const outcome = vi.fn();
    s.submit({ x: rowsOf([1, 1]) }, { timeoutMs: 30 }).catch(outcome);
    await vi.advanceTimersByTimeAsync(29);
    expect(r.batches).toHaveLength(1);
    expect(outcome).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toHaveBeenCalledWith(expect.objectContaining({ code: 'TIMEOUT' }));
    r.release();
  });

  it('removes a request whose client went away', async () => {
    const r = recorder();
    r.hold();
    const s = createScheduler([r.session], config({ maxBatchSize: 1 }));
    const blocker = s.submit({ x: rowsOf([0, 0]) });
    const ac = new AbortController();
    const gone = s.submit({ x: rowsOf([1, 1]) }, { signal: ac.signal });
    ac.abort();
    await expect(gone).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(s.stats().queued).toBe(0);
    r.release();
    await blocker;
    expect(r.batches).toEqual([[0, 0]]);
  });

  it('serves FIFO within a priority level and higher priority first', async () => {
    const r = recorder();
    r.hold();
    const s = createScheduler([r.session], config({ maxBatchSize: 1, priorityLevels: 2 }));
    const blocker = s.submit({ x: rowsOf([0, 0]) });
    await tick();
    const reqs = [
      s.submit({ x: rowsOf([1, 1]) }, { priority: 2 }),
      s.submit({ x: rowsOf([2, 2]) }, { priority: 1 }),
      s.submit({ x: rowsOf([3, 3]) }, { priority: 2 }),
      s.submit({ x: rowsOf([4, 4]) }, { priority: 1 }),
    ];
    r.release();
    await Promise.all([blocker, ...reqs]);
    expect(r.batches.map((b) => b[0])).toEqual([0, 2, 4, 1, 3]);
  });

  it('refuses at once with QUEUE_FULL beyond maxQueueSize', async () => {
    vi.useFakeTimers();
    const r = recorder();
    r.hold();
    const s = createScheduler([r.session], config({ maxBatchSize: 1, maxQueueSize: 2 }), { now: () => Date.now() });
    const running = s.submit({ x: rowsOf([0, 0]) });
    await vi.advanceTimersByTimeAsync(0);
    const queued = [s.submit({ x: rowsOf([1, 1]) }), s.submit({ x: rowsOf([2, 2]) })];
    const outcome = vi.fn();
    s.submit({ x: rowsOf([3, 3]) }).catch(outcome);
    await vi.advanceTimersByTimeAsync(0); // promises settle; the clock does not move
    expect(outcome).toHaveBeenCalledWith(expect.objectContaining({ code: 'QUEUE_FULL', retryAfterS: 1 }));
    r.release();
    await vi.advanceTimersByTimeAsync(0);
    await Promise.all([running, ...queued]);
  });

  it('gives each of 64 concurrent requests of mixed row counts exactly its own rows, on several instances', async () => {
    const a = recorder('a');
    const b = recorder('b');
    const s = createScheduler([a.session, b.session], config({ maxBatchSize: 8, maxQueueDelayMs: 1 }));
    const reqs = Array.from({ length: 64 }, (_, i) => {
      const rows = Array.from({ length: 1 + (i % 4) }, (_, k) => [i * 10 + k, -(i * 10 + k)]);
      return s.submit({ x: rowsOf(...rows) }, { outputs: i % 2 ? ['y'] : undefined }).then((o) => ({ o, rows, i }));
    });
    for (const { o, rows, i } of await Promise.all(reqs)) {
      expect(Array.from(o.y!.data as Float32Array)).toEqual(rows.flat().map((v) => v * 2));
      expect(o.y!.shape).toEqual([rows.length, 2]);
      expect(Object.keys(o).sort()).toEqual(i % 2 ? ['y'] : ['n', 'y']);
    }
    expect(a.batches.length).toBeGreaterThan(0);
    expect(b.batches.length).toBeGreaterThan(0);
    expect(Math.max(...a.sizes(), ...b.sizes())).toBeGreaterThan(1);
  });

  it('merges requests for different outputs (declared, all, internal) into one run of the union, each getting its own', async () => {
    const r = recorder();
    r.hold();
    const s = createScheduler([r.session], config({ maxBatchSize: 8, maxQueueDelayMs: 1 }));
    const full = Array.from({ length: 8 }, () => [0, 0]);
    const blocker = s.submit({ x: rowsOf(...full) }, { outputs: ['n'] }); // a full batch: dispatched at once, occupies the instance
    await tick();
    const all = s.submit({ x: rowsOf([1, 2]) });
    const internal = s.submit({ x: rowsOf([3, 4], [5, 6]) }, { outputs: ['h'] });
    const mixed = s.submit({ x: rowsOf([7, 8]) }, { outputs: ['y', 'h'] });
    r.release();
    await blocker;
    const [a, i, m] = await Promise.all([all, internal, mixed]);
    expect(r.sizes()).toEqual([8, 4]);
    expect([...r.asked[1]!].sort()).toEqual(['h', 'n', 'y']); // the declared outputs (for "all") and the internal one
    expect(Object.keys(a).sort()).toEqual(['n', 'y']); // "all" still means the declared outputs only
    expect(Array.from(a.y!.data as Float32Array)).toEqual([2, 4]);
    expect(Object.keys(i)).toEqual(['h']);
    expect(Array.from(i.h!.data as Float32Array)).toEqual([7, 11]);
    expect(Object.keys(m).sort()).toEqual(['h', 'y']);
    expect(Array.from(m.h!.data as Float32Array)).toEqual([15]);
    // Without a request for everything, only the named outputs are asked for.
    r.hold();
    const b2 = s.submit({ x: rowsOf(...full) }, { outputs: ['n'] });
    await tick();
    const named = [
      s.submit({ x: rowsOf([1, 1]) }, { outputs: ['h'] }),
      s.submit({ x: rowsOf([2, 2]) }, { outputs: ['y'] }),
    ];
    r.release();
    await Promise.all([b2, ...named]);
    expect([...r.asked.at(-1)!].sort()).toEqual(['h', 'y']);
  });

  it('rejects every request of a failed batch with the error', async () => {
    const r = recorder();
    r.failWith(Object.assign(new Error('boom'), { code: 'INFERENCE_FAILED' }));
    r.hold();
    const s = createScheduler([r.session], config({ maxBatchSize: 4, maxQueueDelayMs: 1 }));
    const reqs = [s.submit({ x: rowsOf([1, 1]) }), s.submit({ x: rowsOf([2, 2]) })];
    r.release();
    for (const p of reqs) await expect(p).rejects.toThrow('boom');
  });

  it('drains: refuses new work, finishes what it accepted', async () => {
    const r = recorder();
    r.hold();
    const s = createScheduler([r.session], config({ maxBatchSize: 1 }));
    const accepted = [s.submit({ x: rowsOf([1, 1]) }), s.submit({ x: rowsOf([2, 2]) })];
    const drained = s.drain();
    await expect(s.submit({ x: rowsOf([3, 3]) })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    r.release();
    await drained;
    expect((await Promise.all(accepted)).map((o) => o.y!.data[0])).toEqual([2, 4]);
  });

  it('batches a real ONNX session and splits its outputs per request', async () => {
    const dir = tempStore();
    writeFileSync(join(dir, 'm.onnx'), scaleSumModel(2));
    const session = await onnxRuntime.load({ path: join(dir, 'm.onnx') });
    const batches: number[] = [];
    const s = createScheduler([session], config({ maxBatchSize: 16, maxQueueDelayMs: 5 }), {
      onBatch: (rows) => batches.push(rows),
    });
    const reqs = Array.from({ length: 12 }, (_, i) =>
      s.submit({
        x: { name: 'x', datatype: 'FP32', shape: [1, 4], data: new Float32Array([i, i, i, i]) },
        ids: { name: 'ids', datatype: 'INT64', shape: [1, 2], data: new BigInt64Array([BigInt(i), 0n]) },
      }),
    );
    const out = await Promise.all(reqs);
    out.forEach((o, i) => {
      expect(Array.from(o.s!.data as Float32Array)).toEqual([4 * i]);
      expect((o.ids_out!.data as BigInt64Array)[0]).toBe(BigInt(i));
    });
    expect(Math.max(...batches)).toBeGreaterThan(1);
    await session.dispose();
  });
});

/** A recorder whose instance can die and come back, as a supervised worker does. */
function mortal(name: string) {
  const r = recorder(name);
  let live = true;
  const listeners = new Set<(live: boolean) => void>();
  const session: SupervisedSession = {
    ...r.session,
    get live() {
      return live;
    },
    watch(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const set = (v: boolean) => {
    live = v;
    for (const l of listeners) l(v);
  };
  return { ...r, session, die: () => set(false), revive: () => set(true) };
}

const rows = (n: number, from = 0) => rowsOf(...Array.from({ length: n }, (_, i) => [from + i, -(from + i)]));

describe('requests larger than maxBatchSize', () => {
  it('runs a 100-row request as 13 batches of at most 8 rows, answered in order, and lets a later 1-row request through first', async () => {
    const r = recorder();
    const s = createScheduler([r.session], config({ maxBatchSize: 8, maxQueueDelayMs: 0 }));
    const order: string[] = [];
    const big = s.submit({ x: rows(100) }).then((o) => {
      order.push('big');
      return o;
    });
    const small = s.submit({ x: rowsOf([-7, -7]) }).then((o) => {
      order.push('small');
      return o;
    });
    const [out, one] = await Promise.all([big, small]);
    expect(order).toEqual(['small', 'big']);
    expect(Array.from(one.y!.data as Float32Array)).toEqual([-14, -14]);
    expect(out.y!.shape).toEqual([100, 2]);
    expect(Array.from(out.y!.data as Float32Array)).toEqual(
      Array.from({ length: 100 }, (_, i) => [2 * i, -2 * i]).flat(),
    );
    expect(out.n!.shape).toEqual([100, 1]);
    const bigBatches = r.batches.filter((b) => b[0] !== -7);
    expect(bigBatches).toHaveLength(13);
    expect(Math.max(...r.sizes())).toBeLessThanOrEqual(8);
    const smallAt = r.batches.findIndex((b) => b[0] === -7);
    expect(smallAt).toBeGreaterThan(0);
    expect(smallAt).toBeLessThan(r.batches.length - 1); // between chunks of the big one
    expect(s.stats().queued).toBe(0);
  });

  it('counts a chunked request once per chunk against maxQueueSize, and refuses one that could never fit', async () => {
    const r = recorder();
    r.hold();
    const s = createScheduler([r.session], config({ maxBatchSize: 8, maxQueueSize: 20 }));
    await expect(s.submit({ x: rows(8 * 21) })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const big = s.submit({ x: rows(100) }); // 13 places, one dispatched at once
    await tick();
    expect(s.stats().queued).toBe(12);
    await expect(s.submit({ x: rows(72) })).rejects.toMatchObject({ code: 'QUEUE_FULL' }); // 9 more would be 21
    const fits = s.submit({ x: rows(64) }); // 8 more: 20
    r.release();
    await Promise.all([big, fits]);
    expect(s.stats().queued).toBe(0);
  });

  it('drops the remaining chunks of a cancelled request', async () => {
    const r = recorder();
    r.hold();
    const s = createScheduler([r.session], config({ maxBatchSize: 8 }));
    const ac = new AbortController();
    const big = s.submit({ x: rows(100) }, { signal: ac.signal });
    await tick();
    expect(r.batches).toHaveLength(1);
    ac.abort();
    await expect(big).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(s.stats().queued).toBe(0);
    r.release();
    const after = await s.submit({ x: rowsOf([5, 5]) });
    expect(Array.from(after.y!.data as Float32Array)).toEqual([10, 10]);
    expect(r.batches).toHaveLength(2); // the first chunk and the later request: no other chunk ran
  });

  it('fails the request when one chunk fails, and runs none of its later chunks', async () => {
    const seen: number[] = [];
    const picky: RuntimeSession = {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
      provider: 'cpu',
      async run(feeds) {
        const x = feeds.x!.data as Float32Array;
        seen.push(x[0]!);
        if (x.includes(42)) throw Object.assign(new Error('bad row'), { code: 'INVALID_INPUT' });
        return { y: { ...feeds.x!, name: 'y' } };
      },
      async dispose() {},
    };
    const s = createScheduler([picky], config({ maxBatchSize: 8 }));
    await expect(s.submit({ x: rows(40, 30) })).rejects.toThrow('bad row'); // rows 30..69: 42 is in the second chunk
    expect(seen).toEqual([30, 38]);
    expect(s.stats().queued).toBe(0);
  });
});

describe('instances whose worker dies', () => {
  it('takes a dead instance out of rotation, fails its batch with 503, and uses it again once restarted', async () => {
    const both = [mortal('a'), mortal('b')];
    for (const m of both) m.hold();
    const s = createScheduler(
      both.map((m) => m.session),
      config({ maxBatchSize: 1 }),
    );
    const first = s.submit({ x: rowsOf([1, 1]) });
    await tick();
    const victim = both.find((m) => m.batches.length === 1)!;
    const other = both.find((m) => m !== victim)!;
    other.release();
    victim.die();
    victim.failWith(new WorkerExitedError('code 1', 1));
    victim.release();
    await expect(first).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'model worker exited (code 1)',
      retryAfterS: 1,
    });
    expect(s.stats().live).toBe(1);
    const later = await Promise.all([1, 2, 3].map((k) => s.submit({ x: rowsOf([k, k]) })));
    expect(later.map((o) => o.y!.data[0])).toEqual([2, 4, 6]);
    expect(victim.batches).toHaveLength(1); // nothing more was handed to the dead instance
    expect(other.batches).toHaveLength(3);
    victim.failWith(undefined as never);
    victim.revive();
    expect(s.stats().live).toBe(2);
    other.hold();
    const x = s.submit({ x: rowsOf([7, 7]) });
    const y = s.submit({ x: rowsOf([8, 8]) });
    await tick();
    other.release();
    expect((await Promise.all([x, y])).map((o) => o.y!.data[0])).toEqual([14, 16]);
    expect(victim.batches).toHaveLength(2); // the restarted instance took work again
  });

  it('answers 503 at once, queued and new requests alike, while no instance is live', async () => {
    const a = mortal('a');
    a.hold();
    const s = createScheduler([a.session], config({ maxBatchSize: 1 }));
    const running = s.submit({ x: rowsOf([1, 1]) });
    const queued = s.submit({ x: rowsOf([2, 2]) });
    await tick();
    a.die();
    await expect(queued).rejects.toMatchObject({ code: 'UNAVAILABLE', retryAfterS: 1 });
    await expect(s.submit({ x: rowsOf([3, 3]) })).rejects.toMatchObject({ code: 'UNAVAILABLE', retryAfterS: 1 });
    expect(s.stats()).toMatchObject({ live: 0, queued: 0 });
    a.failWith(new WorkerExitedError('code 1', 1));
    a.release();
    await expect(running).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    a.failWith(undefined as never);
    a.revive();
    expect((await s.submit({ x: rowsOf([4, 4]) })).y!.data[0]).toBe(8);
  });
});
