import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { probeLatency } from './cannon.ts';

/**
 * Sequential latency probe in its own process, so that the load generator's event loop does not
 * add to what is measured. As a script: `probe.ts <url> <ms>` prints the samples as JSON.
 */
export function probeInChild(url: string, durationMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), url, String(durationMs)], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(JSON.parse(stdout) as number[]);
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url, ms] = process.argv.slice(2);
  await probeLatency(url!, Date.now() + 300); // warm up this process (JIT, connection pool)
  const samples = await probeLatency(url!, Date.now() + Number(ms) - 300);
  process.stdout.write(JSON.stringify(samples));
}
