import type { RuntimeSession } from '../runtimes/runtime.ts';
import type { Scheduler } from './scheduling/scheduler.ts';
import { GatewayError } from '../core/errors.ts';

/** Temporary: one request per run on the first free instance (replaced by gateway/scheduling). */
export function createScheduler(instances: RuntimeSession[], _config?: unknown): Scheduler {
  const free = [...instances];
  const waiting: Array<() => void> = [];
  let running = 0;
  let draining = false;
  return {
    async submit(feeds, options) {
      if (draining) throw new GatewayError('UNAVAILABLE', 'draining');
      while (free.length === 0) await new Promise<void>((r) => waiting.push(r));
      const s = free.pop()!;
      running++;
      try {
        return await s.run(feeds, options?.outputs);
      } finally {
        running--;
        free.push(s);
        waiting.shift()?.();
      }
    },
    stats: () => ({ queued: waiting.length, running, instances: instances.length }),
    async drain() {
      draining = true;
      while (running > 0) await new Promise((r) => setTimeout(r, 5));
    },
  };
}
