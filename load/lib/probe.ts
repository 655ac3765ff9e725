import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Agent, get } from 'node:http';

/**
 * Sequential latency probe in its own process, so that the load generator's event loop does not
 * add to what is measured, for `durationMs` or until `until` settles. As a script: `probe.ts <url> <ms>`
 * prints the samples as JSON (it stops early once its stdin is closed after the warm-up).
 */
export function probeInChild(url: string, durationMs: number, until?: Promise<unknown>): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), url, String(durationMs)],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => {
        if (err) reject(err);
        else resolve(JSON.parse(stdout) as number[]);
      },
    );
    // `until` settling ends the probe early: the child stops when its stdin closes.
    const stop = () => child.stdin?.end();
    until?.then(stop, stop);
  });
}

/**
 * Sequential GETs on one kept-alive connection, `intervalMs` apart, as a kubelet or load balancer
 * probes: plain `node:http` (fetch adds a millisecond or more of its own per call).
 */
export async function probeLatency(
  url: string,
  untilMs: number,
  intervalMs = 5,
  stopped: () => boolean = () => false,
): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise<void>((resolve, reject) => {
      get(url, { agent }, (res) => {
        res.on('data', () => {});
        res.on('end', resolve);
      }).on('error', reject);
    });
  const samples: number[] = [];
  try {
    while (Date.now() < untilMs && !stopped()) {
      const t0 = performance.now();
      await once();
      samples.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  } finally {
    agent.destroy();
  }
  return samples;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url, ms] = process.argv.slice(2);
  let closed = false;
  process.stdin.on('end', () => (closed = true)).resume();
  await probeLatency(url!, Date.now() + 300); // warm up this process (JIT, connection pool)
  const samples = await probeLatency(url!, Date.now() + Number(ms) - 300, 5, () => closed);
  process.stdin.destroy();
  process.stdout.write(JSON.stringify(samples));
}
