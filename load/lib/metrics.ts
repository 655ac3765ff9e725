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
