import { GatewayError } from '../../core/errors.ts';

/** One caller's own limits while it waits on a shared flight. */
export interface WaitOptions {
  /** This caller has gone (client disconnected): it stops waiting; the flight goes on for the others. */
  signal?: AbortSignal | undefined;
  /** This caller's deadline in ms: it gets TIMEOUT; the flight goes on for the others. */
  timeoutMs?: number | undefined;
}

interface Flight<T> {
  promise: Promise<T>;
  waiters: number;
  controller: AbortController;
}

/**
 * Collapses concurrent calls for the same key into one: the first caller starts `work`, the others
 * share it (its result or its error). Nothing is remembered once it settles.
 *
 * No caller's cancellation or deadline is shared: each waits with its own `signal` and `timeoutMs`, and
 * leaving does not stop the work. `work` gets a signal of its own that aborts only when every caller
 * waiting on it has gone; the flight is then forgotten, so a later caller starts afresh.
 *
 * @example const { promise } = flights.run(key, (signal) => infer({ signal }), { signal: clientSignal });
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Flight<T>>();

  run(
    key: string,
    work: (signal: AbortSignal) => Promise<T>,
    own: WaitOptions = {},
  ): { promise: Promise<T>; leader: boolean } {
    let flight = this.inFlight.get(key);
    const leader = flight === undefined;
    if (!flight) {
      const controller = new AbortController();
      const f: Flight<T> = { promise: undefined as unknown as Promise<T>, waiters: 0, controller };
      f.promise = Promise.resolve()
        .then(() => work(controller.signal))
        .finally(() => {
          if (this.inFlight.get(key) === f) this.inFlight.delete(key);
        });
      f.promise.catch(() => {}); // when every caller has gone, nobody else awaits it
      this.inFlight.set(key, f);
      flight = f;
    }
    return { promise: this.wait(key, flight, own), leader };
  }

  get size(): number {
    return this.inFlight.size;
  }

  private wait(key: string, f: Flight<T>, own: WaitOptions): Promise<T> {
    if (own.signal?.aborted) return Promise.reject(new GatewayError('CANCELLED', 'the client went away'));
    f.waiters++;
    if (!own.signal && own.timeoutMs === undefined) return f.promise.finally(() => f.waiters--);
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const leave = (error?: GatewayError) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        own.signal?.removeEventListener('abort', onAbort);
        f.waiters--;
        if (!error) return;
        reject(error);
        if (f.waiters === 0) {
          if (this.inFlight.get(key) === f) this.inFlight.delete(key);
          f.controller.abort();
        }
      };
      const onAbort = () => leave(new GatewayError('CANCELLED', 'the client went away'));
      own.signal?.addEventListener('abort', onAbort, { once: true });
      if (own.timeoutMs !== undefined)
        timer = setTimeout(
          () => leave(new GatewayError('TIMEOUT', `no answer within ${Math.round(own.timeoutMs!)} ms`)),
          own.timeoutMs,
        );
      f.promise.then(
        (v) => {
          if (!done) resolve(v);
          leave();
        },
        (e) => {
          if (!done) reject(e);
          leave();
        },
      );
    });
  }
}
