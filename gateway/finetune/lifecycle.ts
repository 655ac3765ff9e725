import { GatewayError, isGatewayError } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import type { JobRecord } from './job.ts';
import type { JobRegistry } from './jobs.ts';
import type { Slots } from './slots.ts';

/** The error a step throws when it sees its job cancelled. */
export const cancelled = (): GatewayError => new GatewayError('CANCELLED', 'the job was cancelled');

/**
 * Runs a job's work to its end and never throws (the outcome is the job's state): waits `queued` for a
 * training slot, runs `work`, and ends the job `cancelled` (nothing published) when its signal was
 * aborted by a client, `failed` with the reason when a shutdown stopped it or `work` threw. `work` sets the
 * job's other final states itself (succeeded, rejected).
 *
 * @example
 * const run = runJobWork({ jobs, slots }, job, signal, 'fine-tuning', async () => { … });
 */
export async function runJobWork(
  deps: { jobs: JobRegistry; slots: Slots },
  job: JobRecord,
  signal: AbortSignal,
  what: string,
  work: () => Promise<void>,
): Promise<void> {
  const { jobs } = deps;
  let release: (() => void) | undefined;
  try {
    release = await deps.slots.acquire(signal); // queued until a training slot is free
    await work();
  } catch (e) {
    if (signal.aborted && isGatewayError(signal.reason)) {
      // stopped by a shutdown, not by a client
      jobs.update(job, { state: 'failed', error: signal.reason.message });
      return;
    }
    if (signal.aborted || (isGatewayError(e) && e.code === 'CANCELLED')) {
      jobs.update(job, { state: 'cancelled', error: 'cancelled; nothing was published' });
      return;
    }
    log.error(`${what} job failed`, { job: job.id, model: job.model, error: String((e as Error)?.stack ?? e) });
    jobs.update(job, { state: 'failed', error: (e as Error)?.message ?? String(e) });
  } finally {
    release?.();
  }
}
