import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Tensor } from '../../core/tensor.ts';
import { BatchingSchema } from '../../model-store/schema.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { AdaptiveDelay } from './adaptive.ts';
import { createScheduler } from './batcher.ts';

/** One client in a closed loop on a manual clock: arrive, run alone for `runMs`, idle for `thinkMs`. */
function closedLoop(d: AdaptiveDelay, from: number, until: number, runMs = 1, thinkMs = 0.3): number[] {
  const decisions: number[] = [];
  let t = from;
  while (t < until) {
    d.arrive(t, 1);
    decisions.push(d.sendAt(t, 1, false) - t);
    t += runMs;
    d.ran(1, runMs);
    d.quiet(t);
    t += thinkMs;
  }
  return decisions;
}

/** Open-loop arrivals every `gapMs` (the model is never quiet); returns the time after the last. */
function flood(d: AdaptiveDelay, from: number, until: number, gapMs = 0.1): number {
  let t = from;
  for (; t < until; t += gapMs) d.arrive(t, 1);
  return t;
}

describe('adaptive queue delay (manual clock)', () => {
  it('sends at once before any batch ran, and a lone request of a single client at once', () => {
    const d = new AdaptiveDelay({ maxDelayMs: 5, maxRows: 64 });
    d.arrive(0, 1);
    expect(d.sendAt(0, 1, false)).toBe(0);
    expect(closedLoop(d, 10, 1010).every((w) => w === 0)).toBe(true);
  });

  it('holds a partial batch while rows pour in and batching is cheap, never past maxDelayMs', () => {
    const d = new AdaptiveDelay({ maxDelayMs: 5, maxRows: 64 });
    d.ran(1, 2);
    d.ran(32, 2.5); // sublinear: 32 rows cost about what one does
    const t = flood(d, 0, 100); // 10 rows per ms
    const at = d.sendAt(t, 1, false);
    expect(at).toBeGreaterThan(t);
    expect(at).toBeLessThanOrEqual(t + 5);
    expect(d.sendAt(t, 64, false)).toBe(t); // a full batch goes
  });

  it('expects no more rows once a closed loop of 4 clients is all queued', () => {
    const d = new AdaptiveDelay({ maxDelayMs: 5, maxRows: 64 });
    // The learned cost (10 ms, say from runs slowed by a busy host) is well above the periods' busy time
    // (1.1 ms): the rate alone would then expect more rows than the four clients can send.
    d.ran(1, 10);
    d.ran(4, 10);
    let t = 0;
    for (let k = 0; k < 50; k++, t += 1) {
      for (let i = 0; i < 4; i++) {
        t += 0.25;
        d.arrive(t, 1);
      }
      t += 1.1;
      d.quiet(t);
    }
    t += 1;
    d.arrive(t, 1);
    expect(d.sendAt(t, 1, false)).toBeGreaterThan(t); // three more are on their way
    for (let i = 0; i < 3; i++) {
      t += 0.25;
      d.arrive(t, 1);
    }
    expect(d.sendAt(t, 4, false)).toBe(t);
  });

  it('holds for the clients of a batch just answered until they are all back, then sends at once', () => {
    const d = new AdaptiveDelay({ maxDelayMs: 5, maxRows: 64 });
    d.ran(4, 10);
    const clients = [{}, {}, {}, {}];
    let t = 0;
    // Four clients in a closed loop, each on its own connection: answered together, back 0.2–0.8 ms later.
    for (let cycle = 0; cycle < 20; cycle++) {
      for (let i = 1; i <= 4; i++) {
        d.arrive(t + 0.2 * i, 1, clients[i - 1]);
        const at = d.sendAt(t + 0.2 * i, i, false);
        if (cycle > 1 && i < 4) expect(at).toBeGreaterThan(t + 0.2 * i); // the others are on their way
        if (cycle > 1 && i < 4) expect(at).toBeLessThanOrEqual(t + 5);
        if (cycle > 10 && i === 4) expect(at).toBe(t + 0.8); // all back: nothing else is coming
      }
      t += 0.8 + 10;
      d.answered(t, clients);
    }
    // The window follows the measured return gaps (0.5 ms on average here): about twice that, not the bound.
    expect(d.returnWindow()).toBeLessThan(1.5);
  });

  it('expects only clients that came back before, and for no longer than the return window', () => {
    const d = new AdaptiveDelay({ maxDelayMs: 5, maxRows: 64 });
    const [a, b, once] = [{}, {}, {}];
    d.arrive(0, 1, a);
    d.arrive(0, 1, b);
    d.arrive(0, 1, once); // a connection used once (no keep-alive) is never waited for
    d.answered(1, [a, b, once]);
    expect(d.expected(1)).toBe(0);
    d.arrive(2, 1, a);
    d.arrive(2, 1, b);
    d.answered(3, [a, b]);
    expect(d.expected(3)).toBe(2);
    d.arrive(4, 1, a);
    // The one return measured took 1 ms: b is expected for twice that (+ 0.25 ms), not for the whole bound.
    expect(d.sendAt(4, 1, false)).toBe(5.25);
    expect(d.expected(5.2)).toBe(1);
    expect(d.expected(5.25)).toBe(0);
  });

  it('does not hold when the cost grows linearly with the batch, however fast rows arrive', () => {
    const d = new AdaptiveDelay({ maxDelayMs: 5, maxRows: 64 });
    for (const b of [1, 2, 4, 8, 16, 32, 64]) d.ran(b, b);
    const t = flood(d, 0, 100);
    expect(d.sendAt(t, 1, false)).toBe(t);
  });

  it('follows a step change of load within a second, both ways', () => {
    const d = new AdaptiveDelay({ maxDelayMs: 5, maxRows: 64 });
    d.ran(1, 2);
    d.ran(32, 2.5);
    let t = flood(d, 0, 2000);
    expect(d.sendAt(t, 1, false)).toBeGreaterThan(t);
    d.quiet(t);
    // Load drops to one client: within a second every request goes at once again.
    const after = closedLoop(d, t, t + 1000, 2);
    const firstSent = after.indexOf(0);
    expect(firstSent).toBeGreaterThanOrEqual(0);
    expect(after.slice(firstSent).every((w) => w === 0)).toBe(true);
    // And back up: a flood of 100 ms is enough to hold again.
    t += 1000;
    t = flood(d, t, t + 100);
    expect(d.sendAt(t, 1, false)).toBeGreaterThan(t);
  });

  it('learns the cost curve per batch-size bucket, interpolating between them', () => {
    const d = new AdaptiveDelay({ maxDelayMs: 5, maxRows: 64 });
    expect(d.cost(4)).toBeUndefined();
    d.ran(1, 1);
    expect(d.cost(16)).toBe(1); // flat beyond what was measured
    d.ran(16, 4);
    expect(d.cost(8)).toBe(1 + (3 * 7) / 15);
    d.ran(16, 9); // a moving average: one slow batch moves it a fifth of the way
    expect(d.cost(16)).toBe(5);
  });
});

/** An instance whose every batch takes `costMs` of (fake) time whatever its size; it records batch sizes. */
function timedInstance(costMs: number) {
  const sizes: number[] = [];
  const session: RuntimeSession = {
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 1] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
    provider: 'cpu',
    async run(feeds) {
      const x = feeds.x!;
      sizes.push(x.shape[0]!);
      await new Promise((r) => setTimeout(r, costMs));
      return { y: { ...x, name: 'y' } as Tensor };
    },
    async dispose() {},
  };
  return { session, sizes };
}

const one = (): Record<string, Tensor> => ({
  x: { name: 'x', datatype: 'FP32', shape: [1, 1], data: new Float32Array([1]) },
});

describe('adaptive queue delay in the batcher (fake timers)', () => {
  afterEach(() => vi.useRealTimers());

  /** Requests at the given times (ms from now), fake time advancing in between. */
  async function arrivals(submit: () => Promise<unknown>, times: number[]): Promise<Array<Promise<unknown>>> {
    const start = Date.now();
    const out: Array<Promise<unknown>> = [];
    for (const t of times) {
      await vi.advanceTimersByTimeAsync(start + t - Date.now());
      out.push(submit());
    }
    return out;
  }

  it('sends a lone request at once where the fixed delay holds it', async () => {
    vi.useFakeTimers();
    for (const queueDelay of ['adaptive', 'fixed'] as const) {
      const inst = timedInstance(10);
      const s = createScheduler(
        [inst.session],
        BatchingSchema.parse({ maxBatchSize: 8, maxQueueDelayMs: 50, queueDelay }),
        {
          now: () => Date.now(),
        },
      );
      const lone = s.submit(one());
      await vi.advanceTimersByTimeAsync(0);
      expect(inst.sizes).toEqual(queueDelay === 'adaptive' ? [1] : []);
      await vi.advanceTimersByTimeAsync(60);
      await lone;
    }
  });

  it('gathers a closed loop of clients into one batch per round, sending when the last is back', async () => {
    vi.useFakeTimers();
    const rounds: Record<string, { sizes: number[]; answers: number }> = {};
    for (const queueDelay of ['adaptive', 'fixed'] as const) {
      const inst = timedInstance(20);
      const s = createScheduler(
        [inst.session],
        BatchingSchema.parse({ maxBatchSize: 16, maxQueueDelayMs: 15, queueDelay }),
        { now: () => Date.now() },
      );
      // Eight clients; client i sends again i ms after its answer (the HTTP thread answers them one by one).
      const end = Date.now() + 2000;
      let answers = 0;
      const client = async (i: number) => {
        const connection = {};
        while (Date.now() < end) {
          await s.submit(one(), { client: connection });
          answers++;
          await new Promise((r) => setTimeout(r, i));
        }
      };
      const clients = Array.from({ length: 8 }, (_, i) => client(i + 1));
      await vi.advanceTimersByTimeAsync(2100);
      await Promise.all(clients);
      rounds[queueDelay] = { sizes: inst.sizes, answers };
    }
    const { adaptive, fixed } = rounds as Record<'adaptive' | 'fixed', { sizes: number[]; answers: number }>;
    // After the first rounds (the adaptive delay learns which clients come back, and how soon) every batch but
    // the last (clients stop as time runs out) holds all eight clients, in both modes…
    expect(adaptive.sizes.slice(12, -1).every((n) => n === 8)).toBe(true);
    expect(fixed.sizes.slice(3, -1).every((n) => n === 8)).toBe(true);
    // …but the adaptive delay sends as soon as the eighth is back (8 ms) rather than after the 15 ms delay:
    // a round takes 28 ms of model and return time instead of 35, so more rounds fit in the same (fake) time.
    expect(adaptive.answers).toBeGreaterThan(fixed.answers * 1.15);
  });

  it('gathers bursts into bigger batches, then sends lone requests at once within a second of the load dropping', async () => {
    vi.useFakeTimers();
    const inst = timedInstance(10);
    const s = createScheduler(
      [inst.session],
      BatchingSchema.parse({ maxBatchSize: 16, maxQueueDelayMs: 8, queueDelay: 'adaptive' }),
      {
        now: () => Date.now(),
      },
    );
    const submit = () => s.submit(one());
    // Bursts of 8 requests 1 ms apart every 30 ms; sent at once, each burst's first request would run alone.
    const burst = Array.from({ length: 20 }, (_, k) => Array.from({ length: 8 }, (_, i) => 30 * k + i)).flat();
    const bursts = await arrivals(submit, burst);
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all(bursts);
    const last = inst.sizes.slice(-10); // the last five bursts
    expect(last.filter((n) => n === 1)).toEqual([]);
    // Then one request every 20 ms (each alone in the model) for a second: by then each goes at once.
    inst.sizes.length = 0;
    const slow = await arrivals(
      submit,
      Array.from({ length: 50 }, (_, i) => i * 20),
    );
    await vi.advanceTimersByTimeAsync(20);
    await Promise.all(slow);
    const lone = s.submit(one());
    await vi.advanceTimersByTimeAsync(0);
    expect(inst.sizes.at(-1)).toBe(1);
    expect(inst.sizes.length).toBe(51); // dispatched without waiting for a timer
    await vi.advanceTimersByTimeAsync(10);
    await lone;
  });
});
