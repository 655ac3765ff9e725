import { GatewayError, isGatewayError } from '../../core/errors.ts';

/**
 * At most `size` jobs train at once; the others wait, in order, in state `queued`. A job cancelled
 * while it waits leaves the line at once.
 *
 * @example
 * const release = await slots.acquire(signal); try { … } finally { release(); }
 */
export class Slots {
  private busy = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  /** Jobs waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  acquire(signal: AbortSignal): Promise<() => void> {
    const release = () => {
      this.busy--;
      this.waiting.shift()?.();
    };
    if (this.busy < this.size) {
      this.busy++;
      return Promise.resolve(once(release));
    }
    return new Promise((resolve, reject) => {
      const go = () => {
        signal.removeEventListener('abort', leave);
        this.busy++;
        resolve(once(release));
      };
      const leave = () => {
        const i = this.waiting.indexOf(go);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(isGatewayError(signal.reason) ? signal.reason : new GatewayError('CANCELLED', 'the job was cancelled'));
      };
      if (signal.aborted) return leave();
      signal.addEventListener('abort', leave, { once: true });
      this.waiting.push(go);
    });
  }
}

function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      f();
    }
  };
}
