import { describe, expect, it } from 'vitest';
import { Slots } from './slots.ts';

describe('training slots', () => {
  it('lets `size` jobs in, queues the rest in order, and a cancelled waiter leaves the line', async () => {
    const slots = new Slots(1);
    const first = await slots.acquire(new AbortController().signal);
    const order: string[] = [];
    const gone = new AbortController();
    const b = slots.acquire(gone.signal).then(
      () => {
        order.push('b');
      },
      (e) => {
        order.push(`b:${e.code}`);
      },
    );
    const c = slots.acquire(new AbortController().signal).then((release) => {
      order.push('c');
      return release;
    });
    expect(slots.queued).toBe(2);
    gone.abort();
    await b;
    expect(slots.queued).toBe(1);
    first();
    first(); // releasing twice frees one slot only
    const releaseC = await c;
    expect(order).toEqual(['b:CANCELLED', 'c']);
    const d = slots.acquire(new AbortController().signal);
    expect(slots.queued).toBe(1);
    releaseC!();
    await d;
    expect(slots.queued).toBe(0);
  });
});
