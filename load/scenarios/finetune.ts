import { readFileSync } from 'node:fs';
import { storeWithShippedModel } from '../../test/support/tiny-models.ts';
import { documentImages, photoImages, PHOTO_SOURCES } from '../../test/support/finetune-data.ts';
import { cannon, type CannonResult } from '../lib/cannon.ts';
import { percentile } from '../../core/percentile.ts';
import { callJson } from '../lib/json.ts';
import { FINAL, waitForJob } from '../lib/jobs.ts';
import type { JobRecord } from '../../gateway/finetune/job.ts';
import { eventLoopDelayMs } from '../lib/metrics.ts';
import { probeInChild } from '../lib/probe.ts';
import { startGateway, type Child } from '../lib/processes.ts';
import { mean, type Report, type ReportRow } from '../lib/report.ts';
import { coresBetween, cpuSnapshot, waitingBetween } from '../lib/threads.ts';

const MODEL = 'nsfw-mobilenet-v2';
/** Closed-loop clients: enough to fill the model's batches (maxBatchSize 8). */
const CONNECTIONS = 8;
/** Examples per class (documents vs photos); a quarter is held out for validation. */
const PER_CLASS = 32;
/**
 * A job that outlasts the phase: 1,000 epochs, no early stopping, and the base's last two dense layers
 * trained along with the new output layer (as the e2e test's cancelled job does).
 */
const TRAINING = {
  epochs: 1000,
  patience: 0,
  batchSize: 8,
  unfreeze: 2,
  learningRate: 0.0005,
  validationSplit: 0.25,
  seed: 1,
  deploy: { mode: 'none' },
};

interface Phase {
  label: string;
  load: CannonResult;
  /** `/v2/health/live` round trips (ms). */
  live: number[];
  /** Cores used during the phase, by thread group of the gateway, other processes and idle. */
  cores: Record<string, number>;
  /** Per thread group, time spent runnable but waiting for a CPU, per second. */
  waiting: Record<string, number>;
  /** The gateway's own event-loop delay during the phase (ms). */
  lag: { p99: number; max: number };
}

/** The gateway's thread groups as the report names them (by scheduling policy and nice value, defaults). */
const GROUPS: Record<string, string> = {
  main: 'HTTP thread',
  'idle nice 10': 'inference',
  'idle nice 19': 'training',
  'normal nice 0': 'other gateway threads',
};
const byGroup = (figures: Record<string, number>) =>
  Object.entries(figures)
    .filter(([, v]) => v >= 0.005)
    .map(([k, v]) => `${GROUPS[k] ?? k} ${v.toFixed(2)}`)
    .join(', ');

/**
 * Issue 13's fine-tuning-while-serving scenario. One gateway (child process, response cache off) serves
 * a copy of `nsfw-mobilenet-v2`; every phase runs the same closed-loop `:predict` load (a random one of
 * three photos per request) with a separate process probing `/v2/health/live` every 5 ms:
 * A. no training; C. a fine-tuning job extracting features (the phase ends when the job reaches
 * `training`); B. the job training its head, for `durationS`; then the job is cancelled (it must end
 * `cancelled`); A'. no training again (the machine's drift). `cpuShare` sets FINETUNE_CPU_SHARE.
 */
export async function finetune(opts: { durationS: number; cpuShare?: number }): Promise<Report> {
  const cpuShare = opts.cpuShare ?? 0.5;
  const [docs, photos] = await Promise.all([
    documentImages(PER_CLASS, 1),
    photoImages(PHOTO_SOURCES.train, PER_CLASS, 2),
  ]);
  const examples = [
    ...docs.map((d) => ({ label: 'document', b64: d.toString('base64') })),
    ...photos.map((p) => ({ label: 'photo', b64: p.toString('base64') })),
  ];
  const bodies = ['chelsea.jpg', 'astronaut.jpg', 'rocket.jpg'].map((f) =>
    JSON.stringify({
      instances: [readFileSync(new URL(`../../test/fixtures/images/${f}`, import.meta.url)).toString('base64')],
    }),
  );

  const gw: Child = await startGateway(
    { MODEL_STORE: storeWithShippedModel(MODEL, {}), CACHE_MEMORY_MB: '0', FINETUNE_CPU_SHARE: String(cpuShare) },
    18098,
  );
  const phase = async (label: string, durationS: number, until?: Promise<unknown>): Promise<Phase> => {
    await eventLoopDelayMs(gw.url); // resets the histogram
    const start = cpuSnapshot(gw.pid);
    const [load, live] = await Promise.all([
      cannon({
        label,
        url: `${gw.url}/v1/models/${MODEL}:predict`,
        bodies,
        connections: CONNECTIONS,
        durationS,
        until,
      }),
      probeInChild(`${gw.url}/v2/health/live`, durationS * 1000 - 500, until),
    ]);
    if (load.non2xx || load.errors || load.timeouts)
      throw new Error(`${label}: ${load.non2xx} non-2xx, ${load.errors} errors, ${load.timeouts} timeouts`);
    const end = cpuSnapshot(gw.pid);
    return {
      label,
      load,
      live,
      cores: coresBetween(start, end),
      waiting: waitingBetween(start, end),
      lag: await eventLoopDelayMs(gw.url),
    };
  };
  try {
    await phase('warm-up', 10);
    const a = await phase('A. no training', opts.durationS);

    // C. Feature extraction: the job's examples go through the serving instance, batched with the load.
    const posted = performance.now();
    const { json: created } = await callJson<JobRecord>(`${gw.url}/v1/models/${MODEL}/finetune`, 'POST', {
      examples,
      options: TRAINING,
    });
    const accepted = performance.now();
    const jobUrl = `${gw.url}/v1/jobs/${created.id}`;
    const training = waitForJob(jobUrl, (j) => j.state !== 'queued' && j.state !== 'extracting');
    const c = await phase('C. job extracting features', 600, training);
    const atTraining = await training;
    const extractedS = (performance.now() - accepted) / 1000;
    if (atTraining.state !== 'training')
      throw new Error(`the job did not reach training: ${atTraining.state} ${atTraining.error ?? ''}`);

    // B. Training, for the phase's whole length.
    const before = (await callJson<JobRecord>(jobUrl, 'GET')).json;
    const b = await phase('B. job training', opts.durationS);
    const after = (await callJson<JobRecord>(jobUrl, 'GET')).json;
    if (after.state !== 'training')
      throw new Error(`the job left training during phase B (${after.state}): it must outlast the phase`);
    await callJson(jobUrl, 'DELETE');
    const ended = await waitForJob(jobUrl, (j) => FINAL.includes(j.state));
    if (ended.state !== 'cancelled')
      throw new Error(`the job ended ${ended.state}, not cancelled: ${ended.error ?? ''}`);

    const a2 = await phase("A'. no training again", opts.durationS);
    const duringB: Array<{ ms: number }> = after.epochs.slice(before.epochs.length);
    // The training thread calls initBackend() with the default order; a cancelled job reports no result, so ask the
    // same call here.
    const { initBackend } = await import('../../runtimes/tfjs/backend.ts');
    const backend = await initBackend();

    const row = (p: Phase, note = ''): ReportRow => ({
      label: p.label,
      throughput: p.load.reqPerSec,
      unit: 'items/s',
      p50Ms: p.load.latencyMs.p50,
      p99Ms: p.load.latencyMs.p99,
      note: `${p.load.requests} requests in ${p.load.durationS.toFixed(1)} s; /v2/health/live p50 ${percentile(p.live, 50).toFixed(1)}, p99 ${percentile(p.live, 99).toFixed(1)}, max ${Math.max(...p.live).toFixed(1)} ms (${p.live.length} probes), event-loop delay p99 ${p.lag.p99.toFixed(1)}, max ${p.lag.max.toFixed(1)} ms${note}; cores: ${byGroup(p.cores)}; waiting for a CPU: ${byGroup(p.waiting)}`,
    });
    const without = (a.load.reqPerSec + a2.load.reqPerSec) / 2;
    return {
      scenario: `finetune-share-${cpuShare}`,
      command: `npm run load -- finetune --duration ${opts.durationS} --cpu-share ${cpuShare}`,
      rows: [
        row(a),
        row(
          c,
          `; ${created.examples.train} + ${created.examples.validation} examples, POST → 202 ${((accepted - posted) / 1000).toFixed(1)} s, 202 → training ${extractedS.toFixed(1)} s`,
        ),
        row(
          b,
          `; ${duringB.length} epochs, ${mean(duringB.map((e) => e.ms)).toFixed(0)} ms each (backend ${backend}, FINETUNE_CPU_SHARE ${cpuShare})`,
        ),
        row(a2),
      ],
      ratios: {
        "throughput B / mean(A, A') (target ≥ 0.8)": b.load.reqPerSec / without,
        'throughput B / A': b.load.reqPerSec / a.load.reqPerSec,
        "throughput C (extracting) / mean(A, A')": c.load.reqPerSec / without,
        '/v2/health/live p99 during B, ms (target ≤ 10)': percentile(b.live, 99),
        '/v2/health/live p99 during A, ms': percentile(a.live, 99),
        '/v2/health/live p99 during C, ms': percentile(c.live, 99),
        'training ms per epoch during B': mean(duringB.map((e) => e.ms)),
        'epochs completed during B': duringB.length,
        'feature extraction, s (202 → training, under load)': extractedS,
        FINETUNE_CPU_SHARE: cpuShare,
      },
      extra: {
        backend,
        connections: CONNECTIONS,
        training: TRAINING,
        examples: created.examples,
        finalState: ended.state,
        epochMs: after.epochs.map((e: { ms: number }) => e.ms),
        ...Object.fromEntries(
          (['cores', 'waiting', 'lag'] as const).map((k) => [
            k,
            Object.fromEntries([a, c, b, a2].map((p) => [p.label, p[k]])),
          ]),
        ),
      },
    };
  } finally {
    await gw.stop();
  }
}
