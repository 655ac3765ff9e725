import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Fifo } from './fifo.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('Fifo', () => {
  it('keeps order across compactions', () => {
    const q = new Fifo<number>();
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      q.push(i);
      if (i % 3 !== 0) out.push(q.shift()!);
    }
    while (q.length) out.push(q.shift()!);
    expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(q.shift()).toBeUndefined();
  });

  it('no longer references an item once it is shifted (requests hold their tensors)', async () => {
    const q = new Fifo<{ payload: Float32Array }>();
    q.push({ payload: new Float32Array(16) }); // stays queued: compaction never runs
    // Items are made and consumed in another function, so that no local of this one holds them.
    const fill = (n: number) =>
      Array.from({ length: n }, () => {
        const item = { payload: new Float32Array(1024) };
        q.push(item);
        return new WeakRef(item);
      });
    const refs = fill(10);
    const consumed = fill(10);
    q.shift();
    for (let i = 0; i < 20; i++) q.shift();
    await new Promise((r) => setImmediate(r));
    gc();
    expect(refs.concat(consumed).filter((r) => r.deref() !== undefined)).toHaveLength(0);
  });
});
