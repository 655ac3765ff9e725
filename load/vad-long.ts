import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { percentile } from '../core/percentile.ts';
import { probeLatency } from './lib/probe.ts';
import { startGateway } from './lib/processes.ts';
import { mean, sequentialRow, writeReport } from './lib/report.ts';
import { decodeWav, encodeWav } from '../plugins/audio/wav.ts';
import { resample } from '../plugins/audio/resample.ts';

/**
 * Long-clip voice activity detection beside a health probe — a standalone script, not an
 * `npm run load` scenario (load/run.ts is being edited elsewhere):
 *
 *   node --import tsx load/vad-long.ts [--minutes 10] [--rate 44100] [--duration 60] [--model vad-silero-v5]
 *
 * Synthesises a WAV of `minutes` (espeak speech from the fixtures with pauses between, at `rate` Hz),
 * serves `model` from a temporary store whose `maxSeconds` admits it, posts the clip back to back as a
 * multipart upload for `duration` seconds (at least once) while a child process probes
 * `/v2/health/live` every 5 ms, and writes load/results/vad-long-<rate>.{json,md,svg}: VAD throughput in
 * audio-seconds per second, probe latency, the gateway's own event-loop delay, scheduled batches per
 * request and resident memory (the highest of one /metrics sample a second).
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `--probe <url>`: probes until stdin closes, then prints the samples (the parent decides when to stop). */
async function probeUntilStdinCloses(url: string): Promise<void> {
  let open = true;
  process.stdin.on('end', () => (open = false)).resume();
  await probeLatency(url, Date.now() + 300); // warm-up (JIT, connection)
  const samples: number[] = [];
  while (open) samples.push(...(await probeLatency(url, Date.now() + 200)));
  process.stdout.write(JSON.stringify(samples));
}

function startProbe(url: string): { stop(): Promise<number[]> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--probe', url], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<number[]>((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`probe exited with ${code}`)),
    ),
  );
  return {
    stop: () => {
      child.stdin.end();
      return done;
    },
  };
}

/** Speech (the espeak fixture) and near-silent pauses, alternating, `seconds` long at `rate` Hz. */
function longClip(seconds: number, rate: number): Uint8Array {
  const pcm = decodeWav(readFileSync(join(ROOT, 'test/fixtures/audio/speech.wav')));
  const speech = resample(pcm.samples, pcm.sampleRate, rate);
  const out = new Float32Array(Math.round(seconds * rate));
  let seed = 1;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648 - 0.5) * 0.002;
  };
  for (let at = 0, k = 0; at < out.length; k++) {
    const pause = Math.round(rate * (0.8 + (k % 4) * 0.4));
    for (let i = 0; i < pause && at < out.length; i++) out[at++] = noise();
    for (let i = 0; i < speech.length && at < out.length; i++) out[at++] = speech[i]! + noise();
  }
  return encodeWav(out, rate);
}

const metric = (text: string, name: string, labels = '') =>
  Number(new RegExp(`^${name}${labels.replace(/[{}]/g, '\\$&')} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      rate: { type: 'string', default: '44100' },
      duration: { type: 'string', default: '60' },
      model: { type: 'string', default: 'vad-silero-v5' },
      probe: { type: 'string' },
    },
  });
  if (values.probe) return probeUntilStdinCloses(values.probe);
  const minutes = Number(values.minutes),
    rate = Number(values.rate),
    durationS = Number(values.duration),
    model = values.model!;
  const audioS = minutes * 60;
  const wav = longClip(audioS, rate);
  const store = mkdtempSync(join(tmpdir(), 'massgate-vad-long-'));
  cpSync(join(ROOT, 'models', model), join(store, model), { recursive: true });
  const configFile = join(store, model, 'config.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8'));
  writeFileSync(
    configFile,
    JSON.stringify({
      ...config,
      params: { ...config.params, maxSeconds: audioS + 60 },
      batching: { ...config.batching, timeoutMs: 3_600_000 },
    }),
  );
  const gw = await startGateway({ MODEL_STORE: store, INFER_TIMEOUT_MS: '3600000' }, 18131);
  const predict = async (bytes: Uint8Array) => {
    const form = new FormData();
    form.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'audio/wav' }), 'clip.wav');
    const t0 = performance.now();
    const r = await fetch(`${gw.url}/v1/models/${model}:predict`, { method: 'POST', body: form });
    const body = (await r.json()) as {
      predictions?: Array<{ segments: unknown[]; duration_s: number }>;
      error?: string;
    };
    if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${body.error}`);
    return { ms: performance.now() - t0, prediction: body.predictions![0]! };
  };
  try {
    const live = `${gw.url}/v2/health/live`;
    await predict(longClip(5, rate)); // warm
    const idleProbe = startProbe(live);
    await new Promise((r) => setTimeout(r, 3000));
    const idle = await idleProbe.stop();
    const before = await (await fetch(`${gw.url}/metrics`)).text(); // also resets the event-loop delay histogram
    const busyProbe = startProbe(live);
    let peakRss = 0;
    const sampleRss = async () =>
      (peakRss = Math.max(
        peakRss,
        metric(await (await fetch(`${gw.url}/metrics`)).text(), 'process_resident_memory_bytes'),
      ));
    const rssTimer = setInterval(() => void sampleRss().catch(() => undefined), 1000);
    const runs: number[] = [];
    let segments = 0;
    const until = performance.now() + durationS * 1000;
    do {
      const { ms, prediction } = await predict(wav);
      runs.push(ms);
      segments = prediction.segments.length;
      process.stderr.write(`  ${model}: ${audioS} s of audio in ${(ms / 1000).toFixed(1)} s (${segments} segments)\n`);
    } while (performance.now() < until);
    clearInterval(rssTimer);
    const busy = await busyProbe.stop();
    const after = await (await fetch(`${gw.url}/metrics`)).text();
    const batches =
      metric(after, 'massgate_inference_batch_size_count', `{model="${model}",version="1"}`) -
      metric(before, 'massgate_inference_batch_size_count', `{model="${model}",version="1"}`);
    const lag = (q: string) => 1000 * metric(after, `nodejs_eventloop_lag_${q}_seconds`);
    const rss = Math.max(peakRss, metric(after, 'process_resident_memory_bytes')) / 2 ** 20;
    const perS = runs.map((ms) => audioS / (ms / 1000));
    writeReport({
      scenario: `vad-long-${rate}`,
      command: `node --import tsx load/vad-long.ts --minutes ${minutes} --rate ${rate} --duration ${durationS} --model ${model}`,
      rows: [
        {
          label: `${model}, ${minutes}-min WAV at ${rate} Hz`,
          throughput: mean(perS),
          unit: 'audio-s/s',
          p50Ms: percentile(runs, 50),
          p99Ms: percentile(runs, 99),
          note: `${runs.length} requests (multipart, ${(wav.length / 2 ** 20).toFixed(1)} MiB), ${segments} segments; latency = whole request`,
        },
        sequentialRow('/v2/health/live, idle', idle, 'req/s (sequential)', `${idle.length} probes`),
        sequentialRow(
          '/v2/health/live, during VAD',
          busy,
          'req/s (sequential)',
          `${busy.length} probes, max ${Math.max(...busy).toFixed(1)} ms`,
        ),
      ],
      ratios: {
        'VAD throughput (audio-seconds per second)': mean(perS),
        'live p99 during VAD (ms)': percentile(busy, 99),
        'live max during VAD (ms)': Math.max(...busy),
        'gateway event-loop delay p99 during VAD (ms)': lag('p99'),
        'gateway event-loop delay max during VAD (ms)': lag('max'),
        'scheduled batches per request': batches / runs.length,
        'gateway peak resident memory, sampled each second (MiB)': rss,
      },
    });
  } finally {
    await gw.stop();
  }
}

await main();
process.exit(0);
