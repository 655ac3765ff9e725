import { log } from '../../core/log.ts';
import { curvesSvg } from '../../training/curves.ts';
import { scoreReport } from '../../training/report.ts';
import { stratifiedSplit } from '../../training/split.ts';
import type { ServedModel } from '../models/served-model.ts';
import type { Example } from './dataset.ts';
import { deploy, type DeployDeps } from './deploy.ts';
import { candidateResult, judge, passes, servedScores } from './gate.ts';
import type { JobRecord } from './job.ts';
import { JobFeatures } from './job-features.ts';
import type { JobRegistry } from './jobs.ts';
import { runJobWork } from './lifecycle.ts';
import type { FinetuneOptions } from './options.ts';
import { publishAndLoad } from './release.ts';
import { trainCandidate } from './search.ts';
import type { Slots } from './slots.ts';
import type { TrainingDeps } from './train-step.ts';

export interface RunnerDeps extends DeployDeps, TrainingDeps {
  jobs: JobRegistry;
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

/**
 * Runs a fine-tuning job to its end; never throws (the outcome is the job's state):
 * split → augment → features through the serving instances → train a head in a training thread (or a
 * search's trials, on the same features) → score candidate and served version on the held-out examples →
 * gate → publish atomically → load → deploy. A cancel at any point ends it `cancelled` with nothing published.
 */
export function runJob(deps: RunnerDeps, job: JobRecord, signal: AbortSignal, p: PreparedJob): Promise<void> {
  return runJobWork(deps, job, signal, 'fine-tuning', async () => {
    const { jobs } = deps;
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
    const features = new JobFeatures(
      deps,
      job,
      signal,
      p.model,
      p.feature,
      o,
      train.map((e) => e.item),
      validation.map((e) => e.item),
      o.search !== undefined,
    );
    jobs.update(job, { examples: features.counts });
    const valF = await features.start();
    const labels = Int32Array.from(train, (e) => index.get(e.label)!);
    const valLabels = Int32Array.from(validation, (e) => index.get(e.label)!);
    const { result, trial } = await trainCandidate(deps, job, signal, o, async (strength) => {
      const t = await features.training(strength);
      return {
        features: t.features,
        featureShape: features.shape,
        labels: Int32Array.from(t.source, (i) => labels[i]!),
        classes: p.classes,
        validation: { features: valF.data, labels: valLabels },
        ...(o.unfreeze > 0
          ? { base: { path: p.model.source.path, format: p.model.source.format, feature: p.feature } }
          : {}),
      };
    });

    jobs.update(job, { state: 'validating' });
    const candidate = scoreReport(result.validation.predictions, valLabels, p.classes);
    const served = servedScores(valF.scores, valLabels, p.classes, p.model.version);
    const minAccuracy = o.minAccuracy ?? deps.training.minAccuracy;
    const gate = judge(candidate, served, minAccuracy, o.notWorse);
    const outcome = candidateResult(result, trial, candidate, served, gate);
    if (!passes(jobs, job, outcome, signal, 'fine-tuned candidate')) return;

    jobs.update(job, { state: 'publishing' });
    const name = p.model.name;
    const { version, previousDefault } = await publishAndLoad(deps, name, {
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
    const deployed = await deploy(deps, name, version, o.deploy.mode, o.deploy.weight, previousDefault);
    jobs.update(job, { state: 'succeeded', result: { ...outcome, version, deploy: deployed } });
    log.info('fine-tuned version published', {
      job: job.id,
      model: name,
      version,
      deploy: o.deploy.mode,
      accuracy: candidate.accuracy,
    });
  });
}
