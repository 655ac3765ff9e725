/**
 * The gateway's own event-loop delay since the previous scrape of `/metrics` (prom-client resets the
 * histogram on each scrape, so a scrape before a phase starts it afresh), in ms.
 *
 * @example
 * await eventLoopDelayMs(gw.url); // reset
 * await runPhase();
 * const { p99, max } = await eventLoopDelayMs(gw.url);
 */
export async function eventLoopDelayMs(url: string): Promise<{ p99: number; max: number }> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const read = (q: string) =>
    1000 * Number(new RegExp(`^nodejs_eventloop_lag_${q}_seconds (\\S+)`, 'm').exec(metrics)?.[1]);
  return { p99: read('p99'), max: read('max') };
}

/** Counters of one model's batches and queue waits, read from `/metrics` (cumulative). */
export interface BatchCounters {
  /** Batches run and the rows they held. */
  batches: number;
  rows: number;
  /** Requests dequeued and the seconds they waited in all. */
  dequeued: number;
  queueS: number;
}

/**
 * The batch and queue counters of `model` on the gateway at `url`; subtract two readings to get a phase's
 * mean batch size and queue wait.
 *
 * @example
 * const a = await batchCounters(url, 'mlp');
 * await runPhase();
 * const b = await batchCounters(url, 'mlp');
 * const meanBatch = (b.rows - a.rows) / (b.batches - a.batches);
 */
export async function batchCounters(url: string, model: string): Promise<BatchCounters> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) =>
    Number(new RegExp(`^${name}\\{model="${model}"[^}]*\\} (\\S+)`, 'm').exec(metrics)?.[1] ?? 0);
  return {
    batches: read('massgate_inference_batch_size_count'),
    rows: read('massgate_inference_batch_size_sum'),
    dequeued: read('massgate_inference_queue_duration_seconds_count'),
    queueS: read('massgate_inference_queue_duration_seconds_sum'),
  };
}
