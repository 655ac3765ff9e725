import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError, isGatewayError } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import { curvesSvg } from '../../training/curves.ts';
import { scoreReport } from '../../training/report.ts';
import { seededRandom } from '../../core/random.ts';
import { stratifiedSplit } from '../../training/split.ts';
import { startTraining } from '../../training/worker/index.ts';
import type { TrainResult } from '../../training/types.ts';
import type { ServedModel } from '../models/served-model.ts';
import type { Example } from './dataset.ts';
import { deploy, pinDefault, type DeployDeps } from './deploy.ts';
import { extractFeatures, type Features } from './features.ts';
import type { JobRecord, JobResult, Scores } from './job.ts';
import type { JobRegistry } from './jobs.ts';
import type { FinetuneOptions } from './options.ts';
import { publishVersion } from './publish.ts';
import type { Slots } from './slots.ts';

export interface RunnerDeps extends DeployDeps {
  jobs: JobRegistry;
  /** Share of one core and nice value of the training thread, the gate's default bar, the features' memory cap. */
  training: { cpuShare: number; nice: number; minAccuracy: number; maxFeatureBytes: number };
  /** Jobs that may run at once; the others wait `queued`. */
  slots: Slots;
}

/** A job ready to run: the checked examples, the served version whose features it trains on. */
interface PreparedJob {
  model: ServedModel;
  feature: string;
  classes: string[];
  train: Example[];
  validation: Example[];
  options: FinetuneOptions;
}

const cancelled = () => new GatewayError('CANCELLED', 'the job was cancelled');

/**
 * Runs a fine-tuning job to its end; never throws (the outcome is the job's state):
 * split → augment → features through the serving instances → train a head in a training thread →
 * score candidate and served version on the held-out examples → gate → publish atomically → load →
 * deploy. A cancel at any point ends it `cancelled` with nothing published.
 */
export async function runJob(deps: RunnerDeps, job: JobRecord, signal: AbortSignal, p: PreparedJob): Promise<void> {
  const { jobs } = deps;
  let release: (() => void) | undefined;
  try {
    release = await deps.slots.acquire(signal); // queued until a training slot is free
    const o = p.options;
    const index = new Map(p.classes.map((c, i) => [c, i]));
    let train = p.train;
    let validation = p.validation;
    if (!validation.length) {
      const split = stratifiedSplit(
        train.map((e) => index.get(e.label)!),
        o.validationSplit,
        o.seed,
      );
      validation = split.validation.map((i) => p.train[i]!);
      train = split.train.map((i) => p.train[i]!);
    }
    const items = train.map((e) => e.item);
    const labels = train.map((e) => index.get(e.label)!);
    const copies = o.augment.length ? (o.augmentCopies ?? 2) : 0;
    const total = items.length * (1 + copies) + validation.length;
    jobs.update(job, {
      state: 'extracting',
      examples: { train: train.length, validation: validation.length, augmented: items.length * copies },
      progress: { done: 0, total },
    });
    const plugin = p.model.plugin!;
    const random = seededRandom(o.seed);
    for (let c = 0; c < copies; c++) {
      for (let i = 0; i < train.length; i++) {
        if (signal.aborted) throw cancelled();
        items.push(await plugin.finetune!.augment!(train[i]!.item, o.augment, o.augmentStrength, random, p.model.ctx!));
        labels.push(labels[i]!);
      }
    }
    const progress = (offset: number) => (done: number) =>
      jobs.update(job, { progress: { done: offset + done, total } }, 'progress');
    const cap = { maxBytes: deps.training.maxFeatureBytes, examples: total };
    // The served version's scores are needed on the held-out examples only (the gate compares them).
    const trainF = await extractFeatures(p.model, items, p.feature, {
      signal,
      withScores: false,
      onProgress: progress(0),
      cap,
    });
    const valF = await extractFeatures(
      p.model,
      validation.map((e) => e.item),
      p.feature,
      { signal, withScores: true, onProgress: progress(items.length), cap },
    );
    const valLabels = Int32Array.from(validation, (e) => index.get(e.label)!);

    jobs.update(job, { state: 'training' });
    const handle = startTraining(
      {
        features: trainF.data,
        featureShape: trainF.shape,
        labels: Int32Array.from(labels),
        classes: p.classes,
        validation: { features: valF.data, labels: valLabels },
        ...(o.unfreeze > 0
          ? { base: { path: p.model.source.path, format: p.model.source.format, feature: p.feature } }
          : {}),
      },
      {
        epochs: o.epochs,
        learningRate: o.learningRate,
        batchSize: o.batchSize,
        patience: o.patience,
        seed: o.seed,
        hidden: o.hidden,
        dropout: o.dropout,
        unfreeze: o.unfreeze,
      },
      {
        cpuShare: deps.training.cpuShare,
        nice: deps.training.nice,
        onEpoch(r) {
          const epochs = [...job.epochs, r];
          const mean = epochs.reduce((a, e) => a + e.ms, 0) / epochs.length;
          jobs.update(job, { epochs, etaS: Math.round((mean * (o.epochs - r.epoch)) / 1000) }, 'epoch');
        },
      },
    );
    const onAbort = () => handle.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    let result: TrainResult;
    try {
      result = await handle.result;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }

    jobs.update(job, { state: 'validating' });
    const candidate = scoreReport(result.validation.predictions, valLabels, p.classes);
    const served = servedScores(valF, valLabels, p.classes, p.model.version);
    const minAccuracy = o.minAccuracy ?? deps.training.minAccuracy;
    const gate = judge(candidate, served, minAccuracy, o.notWorse);
    const outcome: JobResult = {
      scores: { candidate, ...(served ? { served } : {}) },
      gate,
      bestEpoch: result.bestEpoch,
      stoppedEarly: result.stoppedEarly,
      backend: result.backend,
    };
    if (!gate.passed) {
      jobs.update(job, {
        state: 'rejected',
        result: outcome,
        ...(gate.reason !== undefined ? { error: gate.reason } : {}),
      });
      log.info('fine-tuned candidate rejected by the gate', { job: job.id, model: job.model, reason: gate.reason });
      return;
    }
    if (signal.aborted) throw cancelled();

    jobs.update(job, { state: 'publishing' });
    const name = p.model.name;
    const previousDefault = await pinDefault(deps, name);
    const version = publishVersion({
      modelDir: p.model.entry.dir,
      baseDir: p.model.source.dir,
      job: job.id,
      head: { modelJson: result.modelJson, weights: result.weights },
      versionConfig: {
        description: `${name} version ${p.model.version} fine-tuned on ${p.classes.length} classes (${p.classes.join(', ').slice(0, 200)}) by job ${job.id}`,
        labels: p.classes,
        head: { path: 'head/model.json', feature: p.feature },
        finetuned: {
          base: { model: name, version: p.model.version },
          job: job.id,
          createdAt: new Date().toISOString(),
          scores: { accuracy: candidate.accuracy, served_accuracy: served?.accuracy ?? null },
          classes: p.classes,
          options: { ...o, deploy: undefined },
        },
      },
      report: {
        job: { ...job, state: 'succeeded' },
        result: outcome,
        confusion: result.validation.confusion,
        classes: p.classes,
      },
      curvesSvg: curvesSvg(result.epochs, `${name}: fine-tuning job ${job.id}`),
    });
    try {
      await deps.repository.load(name);
    } catch (e) {
      rmSync(join(p.model.entry.dir, String(version)), { recursive: true, force: true }); // a version that cannot load is not left in the store
      throw e;
    }
    const deployed = await deploy(deps, name, version, o.deploy.mode, o.deploy.weight, previousDefault);
    jobs.update(job, { state: 'succeeded', result: { ...outcome, version, deploy: deployed } });
    log.info('fine-tuned version published', {
      job: job.id,
      model: name,
      version,
      deploy: o.deploy.mode,
      accuracy: candidate.accuracy,
    });
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
    log.error('fine-tuning job failed', { job: job.id, model: job.model, error: String((e as Error)?.stack ?? e) });
    jobs.update(job, { state: 'failed', error: (e as Error)?.message ?? String(e) });
  } finally {
    release?.();
  }
}

/** The served version's accuracy on the held-out examples, when it answers the same classes (as a set). */
function servedScores(
  valF: Features,
  valLabels: Int32Array,
  classes: string[],
  version: number,
): (Scores & { version: number }) | undefined {
  const s = valF.scores;
  if (!s || s.labels.length !== classes.length || !classes.every((c) => s.labels.includes(c))) return undefined;
  const predictions = Int32Array.from(s.scores, (row) => classes.indexOf(s.labels[row.indexOf(Math.max(...row))]!));
  return { ...scoreReport(predictions, valLabels, classes), version };
}

function judge(
  candidate: Scores,
  served: Scores | undefined,
  minAccuracy: number,
  notWorse: boolean,
): JobResult['gate'] {
  const gate = { minAccuracy, notWorse };
  if (candidate.accuracy < minAccuracy)
    return {
      ...gate,
      passed: false,
      reason: `held-out accuracy ${candidate.accuracy.toFixed(3)} is below the bar ${minAccuracy}`,
    };
  if (notWorse && served && candidate.accuracy < served.accuracy) {
    return {
      ...gate,
      passed: false,
      reason: `held-out accuracy ${candidate.accuracy.toFixed(3)} is below the served version's ${served.accuracy.toFixed(3)} on the same examples`,
    };
  }
  return { ...gate, passed: true };
}
