import autocannon from 'autocannon';

export interface CannonResult {
  label: string;
  connections: number;
  durationS: number;
  requests: number;
  reqPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

interface CannonOptions {
  label: string;
  url: string;
  method?: 'GET' | 'POST';
  body?: string | Buffer;
  /** Bodies to pick from at random for each request, instead of one `body`. */
  bodies?: ReadonlyArray<string | Buffer>;
  headers?: Record<string, string>;
  connections: number;
  /** How long to run; with `until`, the longest. */
  durationS: number;
  /** Stop early when this settles (a phase that ends on an event); throughput is then per second actually run. */
  until?: Promise<unknown> | undefined;
  /** Run the load generator in worker threads so that probes in this thread are not delayed by it. */
  workers?: number;
}

/** Runs autocannon for a fixed time and returns the figures the reports use. */
export async function cannon(o: CannonOptions): Promise<CannonResult> {
  const run = autocannon({
    url: o.url,
    method: o.method ?? 'POST',
    body: o.body,
    headers: o.headers ?? (o.body ? { 'content-type': 'application/json' } : {}),
    connections: o.connections,
    duration: o.durationS,
    timeout: 30,
    ...(o.bodies
      ? {
          requests: [
            {
              setupRequest: (req: object) => ({
                ...req,
                body: o.bodies![Math.floor(Math.random() * o.bodies!.length)],
              }),
            },
          ],
        }
      : {}),
    ...(o.workers ? { workers: o.workers } : {}),
  }) as Promise<autocannon.Result> & { stop(): void }; // without a callback: the instance, thenable (the types show only the promise)
  o.until?.then(
    () => run.stop(),
    () => run.stop(),
  );
  const r = await run;
  const codes: Record<string, number> = {};
  for (const [k, v] of Object.entries(r)) {
    const m = /^(\d)xx$/.exec(k);
    if (m && typeof v === 'number' && v > 0) codes[k] = v;
  }
  const statusCodes = Object.fromEntries(
    Object.entries((r as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {}).map(
      ([k, v]) => [k, v.count],
    ),
  );
  return {
    label: o.label,
    connections: o.connections,
    durationS: o.until ? r.duration : o.durationS,
    requests: r.requests.total,
    reqPerSec: r.requests.total / (o.until ? r.duration : o.durationS),
    latencyMs: {
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
      mean: r.latency.average,
    },
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes: Object.keys(statusCodes).length ? statusCodes : codes,
  };
}
