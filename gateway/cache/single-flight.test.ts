import { describe, expect, it } from 'vitest';
import { SingleFlight } from './single-flight.ts';

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

describe('SingleFlight', () => {
  it('runs one computation for concurrent callers of one key', async () => {
    const f = new SingleFlight<number>();
    let runs = 0;
    const d = deferred<number>();
    const work = () => {
      runs++;
      return d.promise;
    };
    const a = f.run('k', work);
    const b = f.run('k', work);
    d.resolve(7);
    expect([await a.promise, await b.promise, a.leader, b.leader, runs]).toEqual([7, 7, true, false, 1]);
    expect(f.size).toBe(0);
  });

  it("does not pass the first caller's cancellation to the others, nor to the work", async () => {
    const f = new SingleFlight<number>();
    const d = deferred<number>();
    let workSignal!: AbortSignal;
    const first = new AbortController();
    const a = f.run(
      'k',
      (s) => {
        workSignal = s;
        return d.promise;
      },
      { signal: first.signal },
    );
    const b = f.run('k', () => d.promise, { signal: new AbortController().signal });
    const c = f.run('k', () => d.promise, { timeoutMs: 60_000 });
    first.abort();
    await expect(a.promise).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(workSignal.aborted).toBe(false);
    d.resolve(5);
    expect([await b.promise, await c.promise]).toEqual([5, 5]);
  });

  it('gives each caller its own deadline', async () => {
    const f = new SingleFlight<number>();
    const d = deferred<number>();
    const a = f.run('k', () => d.promise, { timeoutMs: 1 });
    const b = f.run('k', () => d.promise, { timeoutMs: 60_000 });
    await expect(a.promise).rejects.toMatchObject({ code: 'TIMEOUT' });
    d.resolve(3);
    expect(await b.promise).toBe(3);
  });

  it('aborts the work once every caller has gone, and a later caller starts afresh', async () => {
    const f = new SingleFlight<number>();
    let workSignal!: AbortSignal;
    const x = new AbortController();
    const y = new AbortController();
    const never = new Promise<number>(() => {});
    const a = f.run(
      'k',
      (s) => {
        workSignal = s;
        return never;
      },
      { signal: x.signal },
    );
    const b = f.run('k', () => never, { signal: y.signal });
    x.abort();
    await expect(a.promise).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(workSignal.aborted).toBe(false);
    y.abort();
    await expect(b.promise).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(workSignal.aborted).toBe(true);
    const c = f.run('k', async () => 9);
    expect([c.leader, await c.promise]).toEqual([true, 9]);
  });

  it('shares an error with every caller', async () => {
    const f = new SingleFlight<number>();
    const a = f.run('k', async () => {
      throw new Error('bad');
    });
    const b = f.run('k', async () => 1);
    await expect(a.promise).rejects.toThrow('bad');
    await expect(b.promise).rejects.toThrow('bad');
  });
});
