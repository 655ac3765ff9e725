import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile } from '../../core/percentile.ts';
import { postStream, recording } from '../../test/support/recording.ts';
import { eventLoopDelayMs } from '../lib/metrics.ts';
import { probeInChild } from '../lib/probe.ts';
import { startGateway } from '../lib/processes.ts';
import { sequentialRow, type Report } from '../lib/report.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MIB = 2 ** 20;

/** A process's resident memory now and its peak since it started (Linux /proc), in bytes. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => 1024 * Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** CPU seconds a process has used (all its threads, user and system; Linux /proc, 100 ticks a second). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * `npm run load -- vad-stream [--duration 3600] [--variant vad-silero-v5|vad-ensemble]`: a recording of
 * `--duration` seconds (16 kHz 16-bit mono: faint noise with the espeak speech fixture every 30 s or so)
 * made as it is sent, streamed to the gateway as one `audio/wav` request body (chunked), at the pace the
 * gateway reads it, while a separate process probes `/v2/health/live` every 5 ms. Reports the
 * real-time factor (audio seconds per wall second of the request), the gateway's resident memory
 * (sampled every 250 ms from /proc, and its peak since start, VmHWM, before and after), the probe's
 * latency and the gateway's event-loop delay, how many utterances were found, and the gateway's CPU
 * time (audio seconds per CPU second: what the real-time factor would be with a core to itself, on a
 * shared host where the wall-clock one depends on the neighbours; the host's load average is given).
 * `WORKER_SCHED_IDLE` and `WORKER_NICE` are passed on from the environment.
 */
export async function vadStream(opts: { durationS: number; variant?: string }): Promise<Report> {
  const model = opts.variant ?? 'vad-silero-v5';
  const seconds = opts.durationS;
  const members = model === 'vad-ensemble' ? ['vad-silero-v5', 'vad-silero-v6', 'vad-silero-legacy'] : [];
  const store = mkdtempSync(join(tmpdir(), 'massgate-vad-stream-'));
  for (const m of [model, ...members]) cpSync(join(ROOT, 'models', m), join(store, m), { recursive: true });
  // The upload goes at the analysis's pace: give it longer than the default 60 s to finish.
  const passed = Object.fromEntries(
    ['WORKER_SCHED_IDLE', 'WORKER_NICE'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])),
  );
  const gw = await startGateway({ MODEL_STORE: store, REQUEST_TIMEOUT_S: '900', ...passed }, 18132);
  const url = `${gw.url}/v1/models/${model}:predict`;
  const wav = { 'content-type': 'audio/wav' };
  try {
    const warm = await postStream(url, recording({ seconds: 40, rate: 16_000, speechAt: [5] }).parts(), wav);
    if (warm.status !== 200) throw new Error(`warm-up: HTTP ${warm.status}: ${warm.text}`);
    const idle = await probeInChild(`${gw.url}/v2/health/live`, 3000);
    // Speech every 30 s, shifted by a few seconds so that it falls across chunk boundaries too.
    const speechAt = Array.from({ length: Math.floor((seconds - 10) / 30) }, (_, i) => 5 + i * 30 + ((i * 7) % 23));
    const rec = recording({ seconds, rate: 16_000, speechAt });
    const before = memoryOf(gw.pid);
    const samples: number[] = [];
    const timer = setInterval(() => samples.push(memoryOf(gw.pid).rss), 250);
    await eventLoopDelayMs(gw.url); // resets the histogram
    const load0 = loadavg()[0]!;
    const cpu0 = cpuSecondsOf(gw.pid);
    const t0 = performance.now();
    const request = postStream(url, rec.parts(), wav);
    const [answer, busy] = await Promise.all([request, probeInChild(`${gw.url}/v2/health/live`, 3_600_000, request)]);
    const wallS = (performance.now() - t0) / 1000;
    const cpuS = cpuSecondsOf(gw.pid) - cpu0;
    const load1 = loadavg()[0]!;
    clearInterval(timer);
    const lag = await eventLoopDelayMs(gw.url);
    const after = memoryOf(gw.pid);
    if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.text}`);
    const p = JSON.parse(answer.text).predictions[0] as { segments: Array<{ start_s: number }> };
    const found = rec.speech.filter(([s]) => p.segments.some((g) => Math.abs(g.start_s - s) < 0.6)).length;
    const quarter = (q: number) => samples[Math.min(samples.length - 1, Math.floor((q * samples.length) / 4))]! / MIB;
    return {
      scenario: `vad-stream-${model}`,
      command: `${passed.WORKER_SCHED_IDLE ? `WORKER_SCHED_IDLE=${passed.WORKER_SCHED_IDLE} ` : ''}npm run load -- vad-stream --duration ${seconds}${opts.variant ? ` --variant ${model}` : ''}`,
      rows: [
        {
          label: `${model}, ${(seconds / 60).toFixed(0)}-min 16 kHz WAV streamed`,
          throughput: seconds / wallS,
          unit: '× real time',
          note: `${(rec.bytes / MIB).toFixed(0)} MiB chunked in ${wallS.toFixed(1)} s (gateway CPU ${cpuS.toFixed(1)} s; host load ${load0.toFixed(1)} → ${load1.toFixed(1)} on ${cpus().length} cores${passed.WORKER_SCHED_IDLE ? `, WORKER_SCHED_IDLE=${passed.WORKER_SCHED_IDLE}` : ''}); ${p.segments.length} segments, ${found} of ${rec.speech.length} utterances found`,
        },
        sequentialRow('/v2/health/live, idle', idle, 'req/s (sequential)', `${idle.length} probes`),
        sequentialRow(
          '/v2/health/live, during the stream',
          busy,
          'req/s (sequential)',
          `${busy.length} probes, max ${Math.max(...busy).toFixed(1)} ms`,
        ),
      ],
      ratios: {
        'real-time factor (audio s per wall s)': seconds / wallS,
        'audio s per gateway CPU s (all threads)': seconds / cpuS,
        'live p99 during the stream (ms)': percentile(busy, 99),
        'gateway event-loop delay p99 during the stream (ms)': lag.p99,
        'gateway event-loop delay max during the stream (ms)': lag.max,
        'gateway RSS before the stream (MiB)': before.rss / MIB,
        'gateway RSS at 25 % of the stream (MiB)': quarter(1),
        'gateway RSS at 50 % (MiB)': quarter(2),
        'gateway RSS at 75 % (MiB)': quarter(3),
        'gateway RSS at the end (MiB)': after.rss / MIB,
        'gateway peak RSS during the stream, sampled every 250 ms (MiB)': Math.max(...samples) / MIB,
        'gateway peak RSS since its start (VmHWM), before the stream (MiB)': before.peak / MIB,
        'gateway peak RSS since its start (VmHWM), after the stream (MiB)': after.peak / MIB,
        'utterances found (of those placed)': found / rec.speech.length,
      },
    };
  } finally {
    await gw.stop();
  }
}
