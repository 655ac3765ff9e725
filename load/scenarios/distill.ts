import type { DistillResult, JobRecord } from '../../gateway/finetune/job.ts';
import { NSFW_DISTILL_OPTIONS, nsfwDistillInputs } from '../../test/support/finetune-data.ts';
import { storeWithShippedModels } from '../../test/support/tiny-models.ts';
import { cannon, type CannonResult } from '../lib/cannon.ts';
import { FINAL, waitForJob } from '../lib/jobs.ts';
import { callJson } from '../lib/json.ts';
import { startGateway } from '../lib/processes.ts';
import type { Report, ReportRow } from '../lib/report.ts';

const ENSEMBLE = 'nsfw-ensemble';
const MEMBERS = ['nsfw-mobilenet-v2', 'nsfw-mobilenet-v2-mid', 'nsfw-inception-v3'];
/**
 * Closed-loop clients. Two: the ensemble answers about half an image per second here, and more clients would
 * queue past its members' 10 s deadline (answers without InceptionV3 would then flatter its throughput).
 */
const CONNECTIONS = 2;
/** The e2e test's options (test/e2e/distill.test.ts), timed on more held-out images and deployed nowhere. */
const OPTIONS = { ...NSFW_DISTILL_OPTIONS, benchmark: 30, deploy: { mode: 'none' } };

/**
 * Issue 18's ensemble-versus-student figures. One gateway (child process, response cache off) serves
 * `nsfw-ensemble` and its three members; a distillation job trains `nsfw-mobilenet-v2` (the cheapest
 * member) on the ensemble's soft labels of the 120 images of the e2e test and publishes version 2. Then
 * the same closed-loop `:predict` load (2 clients, one image per request, 30 of the images) runs
 * against the ensemble and against the student for `durationS` each. The table: their throughput and
 * latency; the student's held-out agreement with the ensemble (and its base's) from the job.
 */
export async function distill(opts: { durationS: number }): Promise<Report> {
  const inputs = await nsfwDistillInputs();
  const gw = await startGateway(
    { MODEL_STORE: storeWithShippedModels(ENSEMBLE, ...MEMBERS), CACHE_MEMORY_MB: '0', FINETUNE_CPU_SHARE: '1' },
    18099,
  );
  try {
    const t0 = performance.now();
    const { json: created } = await callJson<JobRecord>(`${gw.url}/v1/models/${ENSEMBLE}/distill`, 'POST', {
      inputs,
      options: OPTIONS,
    });
    const job = await waitForJob(`${gw.url}/v1/jobs/${created.id}`, (j) => FINAL.includes(j.state));
    const jobS = (performance.now() - t0) / 1000;
    if (job.state !== 'succeeded') throw new Error(`the distillation ended ${job.state}: ${job.error ?? ''}`);
    const d = job.result!.distill as DistillResult;
    const student = `${d.student.model}@${d.student.version}`;
    // What is measured here is speed, not agreement: any 30 images of the set serve as the requests.
    const bodies = inputs.slice(0, 30).map((x) => JSON.stringify({ instances: [x.b64] }));
    const run = (label: string, model: string) =>
      cannon({
        label,
        url: `${gw.url}/v1/models/${model}:predict`,
        bodies,
        connections: CONNECTIONS,
        durationS: opts.durationS,
      });
    await run('warm-up', ENSEMBLE);
    const teacher = await run(`${ENSEMBLE} (3 members, soft vote)`, ENSEMBLE);
    const pupil = await run(`${student} (distilled student)`, student);
    for (const r of [teacher, pupil])
      if (r.non2xx || r.errors || r.timeouts)
        throw new Error(`${r.label}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
    const row = (r: CannonResult, note: string): ReportRow => ({
      label: r.label,
      throughput: r.reqPerSec,
      unit: 'items/s',
      p50Ms: r.latencyMs.p50,
      p99Ms: r.latencyMs.p99,
      note: `${r.requests} requests in ${r.durationS.toFixed(1)} s, ${CONNECTIONS} clients; ${note}`,
    });
    const speed = d.speed && 'inputs' in d.speed ? d.speed : undefined;
    const inJob = (s?: { latencyMs: { p50: number }; itemsPerS: number }) =>
      s
        ? `in the job (${speed!.inputs} held-out images): p50 ${s.latencyMs.p50} ms one by one, ${s.itemsPerS} items/s at 4 in flight`
        : `in the job: ${d.speed && 'error' in d.speed ? d.speed.error : 'not timed'}`;
    return {
      scenario: 'distill',
      command: `npm run load -- distill --duration ${opts.durationS}`,
      rows: [
        row(teacher, `agreement with itself 1; ${inJob(speed?.teacher)}`),
        row(
          pupil,
          `held-out agreement with the ensemble ${d.agreement.student.toFixed(3)} (its base, version 1: ${d.agreement.base?.toFixed(3) ?? '–'}) on ${d.agreement.heldOut} images; ${inJob(speed?.student)}`,
        ),
      ],
      ratios: {
        'student / ensemble throughput': pupil.reqPerSec / teacher.reqPerSec,
        'ensemble / student p50 latency': teacher.latencyMs.p50 / pupil.latencyMs.p50,
        'student held-out agreement with the ensemble': d.agreement.student,
        'base (version 1) held-out agreement with the ensemble': d.agreement.base ?? Number.NaN,
        'held-out images': d.agreement.heldOut,
        'distillation job, s (202 → succeeded, 120 images)': jobS,
      },
      extra: { options: OPTIONS, distill: d, epochs: job.epochs.length, scores: job.result?.scores },
    };
  } finally {
    await gw.stop();
  }
}
