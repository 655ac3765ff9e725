import { log } from '../../core/log.ts';
import { curvesSvg } from '../../training/curves.ts';
import { scoreReport } from '../../training/report.ts';
import { stratifiedSplit } from '../../training/split.ts';
import type { TrainData } from '../../training/types.ts';
import { sharedCopy } from '../../training/worker/index.ts';
import type { Servable } from '../models/servable.ts';
import { startExperiment } from '../finetune/deploy.ts';
import type { Features } from '../finetune/features.ts';
import { candidateResult, judge, passes, servedScores } from '../finetune/gate.ts';
import type { DistillResult, JobRecord, JobResult, Scores } from '../finetune/job.ts';
import { JobFeatures, type TrainingFeatures } from '../finetune/job-features.ts';
import { runJobWork } from '../finetune/lifecycle.ts';
import { publishAndLoad, publishModelAndLoad } from '../finetune/release.ts';
import type { RunnerDeps } from '../finetune/runner.ts';
import { trainCandidate } from '../finetune/search.ts';
import { teacherProbabilities } from './ask.ts';
import type { DistillInput } from './inputs.ts';
import { ngramFeatures } from './ngram-features.ts';
import type { DistillOptions } from './options.ts';
import { publication } from './publication.ts';
import { measureSpeed } from './speed.ts';
import type { Student } from './student.ts';

/** A distillation ready to run: the ensemble, the student, the checked inputs and the student's items for them. */
export interface PreparedDistillation {
  teacher: Servable;
  student: Student;
  inputs: DistillInput[];
  /** Per input, the item the student's plugin read from it. */
  items: unknown[];
  options: DistillOptions;
}

/** Index of the largest value of each row of `k`. */
function argmaxRows(values: Float32Array, k: number): Int32Array {
  return Int32Array.from({ length: values.length / k }, (_, r) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (values[r * k + c]! > values[r * k + best]!) best = c;
    return best;
  });
}

/** The rows `rows` of a row-major matrix of width `k`. */
function pickRows(values: Float32Array, k: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * k);
  for (let r = 0; r < rows.length; r++) out.set(values.subarray(rows[r]! * k, rows[r]! * k + k), r * k);
  return out;
}

/** Top-1 accuracy of `predicted` on the positions `at` whose label is known (`labels[i] >= 0`). */
function accuracyOn(predicted: ArrayLike<number>, labels: Int32Array): number {
  let right = 0;
  let n = 0;
  labels.forEach((l, i) => {
    if (l < 0) return;
    n++;
    if (predicted[i] === l) right++;
  });
  return n ? right / n : 0;
}

/**
 * Runs a distillation job to its end; never throws (the outcome is the job's state): the teacher's
 * probabilities for every input through its serving path → a held-out split stratified by the teacher's
 * top class → the student's features (through its served instances, or a char-ngram featurizer's thread)
 * → a head trained on the soft targets (or a search's trials) → agreement with the teacher on the held-out
 * inputs, the student's base's too, accuracies where labels were sent → gate → publish as a new version or
 * model → load → time teacher and student on held-out inputs → canary or shadow against the ensemble.
 */
export function runDistill(
  deps: RunnerDeps,
  job: JobRecord,
  signal: AbortSignal,
  p: PreparedDistillation,
): Promise<void> {
  return runJobWork(deps, job, signal, 'distillation', async () => {
    const { jobs } = deps;
    const o = p.options;
    const classes = [...p.teacher.labels!];
    const k = classes.length;
    const n = p.inputs.length;
    const labelled = p.inputs.filter((x) => x.label !== undefined).length;

    jobs.update(job, { state: 'extracting', progress: { done: 0, total: 2 * n } });
    const probabilities = await teacherProbabilities(p.teacher, p.inputs, classes, signal, (done) =>
      jobs.update(job, { progress: { done, total: 2 * n } }, 'progress'),
    );
    const top = argmaxRows(probabilities, k);
    const { train, validation } = stratifiedSplit(top, o.validationSplit, o.seed);
    const trainProbabilities = pickRows(probabilities, k, train);
    const valTop = Int32Array.from(validation, (i) => top[i]!);

    // The student's features: the held-out inputs' (with its base's own scores), the training inputs' per strength.
    let valF: Features;
    let trainingFor: (strength: number) => Promise<TrainingFeatures>;
    let shape: number[];
    const s = p.student;
    if (s.kind === 'model') {
      const features = new JobFeatures(
        deps,
        job,
        signal,
        s.model,
        s.feature,
        o,
        train.map((i) => p.items[i]),
        validation.map((i) => p.items[i]),
        o.search !== undefined,
        n,
      );
      jobs.update(job, { examples: { ...features.counts, labelled } });
      valF = await features.start();
      shape = features.shape;
      trainingFor = (strength) => features.training(strength);
    } else {
      jobs.update(job, {
        examples: { train: train.length, validation: validation.length, augmented: 0, labelled },
      });
      const all = await ngramFeatures(s, p.items, {
        signal,
        nice: deps.training.nice,
        onProgress: (done) => jobs.update(job, { progress: { done: n + done, total: 2 * n } }, 'progress'),
      });
      shape = all.shape;
      // With a search, in shared memory: every trial's training thread reads the same copy.
      const keep = (a: Float32Array) => (o.search ? sharedCopy(a) : a);
      valF = { data: keep(pickRows(all.data, shape[0]!, validation)), shape };
      const t = { features: keep(pickRows(all.data, shape[0]!, train)), source: Int32Array.from(train, (_, r) => r) };
      trainingFor = async () => t;
    }
    const { result, trial } = await trainCandidate(deps, job, signal, o, async (strength): Promise<TrainData> => {
      const t = await trainingFor(strength);
      return {
        features: t.features,
        featureShape: shape,
        labels: Int32Array.from(t.source, (i) => top[train[i]!]!),
        classes,
        validation: { features: valF.data, labels: valTop },
        soft: {
          targets: pickRows(trainProbabilities, k, t.source),
          validation: pickRows(probabilities, k, validation),
          temperature: o.temperature,
          loss: o.loss,
        },
        ...(s.kind === 'model' && o.unfreeze > 0
          ? {
              base: {
                path: s.model.source.path,
                format: s.model.source.format,
                feature: s.feature,
                // A student whose labels are the teacher's, in order, starts as its base: its own output layer.
                output: o.hidden === 0 && s.model.labels?.join('\n') === classes.join('\n'),
              },
            }
          : {}),
      };
    });

    jobs.update(job, { state: 'validating' });
    const candidate = scoreReport(result.validation.predictions, valTop, classes);
    const base = s.kind === 'model' ? servedScores(valF.scores, valTop, classes, s.model.version) : undefined;
    const gate = judge(
      candidate,
      base,
      o.minAccuracy ?? deps.training.minAccuracy,
      o.notWorse,
      'held-out agreement with the teacher',
    );
    const distill = distillFigures(p, classes, top, validation, result.validation.predictions, candidate, base, valF);
    const outcome: JobResult = { ...candidateResult(result, trial, candidate, base, gate), distill };
    if (!passes(jobs, job, outcome, signal, 'distilled student')) return;

    jobs.update(job, { state: 'publishing' });
    const published = publication(deps.repository.store, p, job, result, outcome, classes);
    const report = {
      job: { ...job, state: 'succeeded' },
      result: outcome,
      confusion: result.validation.confusion,
      classes,
    };
    const curves = curvesSvg(result.epochs, `${published.model}: distillation job ${job.id}`);
    let version = 1;
    let previousDefault: number | undefined;
    if (published.kind === 'version') {
      ({ version, previousDefault } = await publishAndLoad(deps, published.model, {
        ...published.files,
        report,
        curvesSvg: curves,
      }));
    } else {
      await publishModelAndLoad(deps, { ...published.files, report, curvesSvg: curves });
    }
    distill.student = { ...distill.student, model: published.model, version };

    if (o.benchmark > 0) {
      jobs.update(job, { state: 'measuring', result: outcome });
      const timed = validation.slice(0, o.benchmark).map((i) => p.inputs[i]!);
      try {
        const teacherSpeed = await measureSpeed(() => deps.repository.get(p.teacher.name), timed, signal);
        const studentSpeed = await measureSpeed(
          () => deps.repository.get(published.model, String(version)),
          timed,
          signal,
        );
        distill.speed = {
          inputs: timed.length,
          teacher: teacherSpeed,
          student: studentSpeed,
          speedup: Math.round((studentSpeed.itemsPerS / teacherSpeed.itemsPerS) * 100) / 100,
        };
      } catch (e) {
        if (signal.aborted) throw e;
        distill.speed = { error: (e as Error).message };
      }
    }

    let deployed: NonNullable<JobResult['deploy']> = { mode: 'none', ...(previousDefault ? { previousDefault } : {}) };
    if (o.deploy.mode === 'canary' || o.deploy.mode === 'shadow') {
      startExperiment(
        deps,
        p.teacher.name,
        `distilled student ${published.model}:${version} of ${p.teacher.name} as a ${o.deploy.mode}`,
        {
          control: { name: 'ensemble', target: p.teacher.name },
          candidate: { name: 'student', target: `${published.model}:${version}` },
          mode: o.deploy.mode,
          weight: o.deploy.weight,
        },
      );
      deployed = {
        mode: o.deploy.mode,
        experiment: p.teacher.name,
        ...(o.deploy.mode === 'canary' ? { weight: o.deploy.weight } : {}),
      };
    }
    jobs.update(job, {
      state: 'succeeded',
      student: { ...job.student!, model: published.model, version },
      result: { ...outcome, version, deploy: deployed },
    });
    log.info('distilled student published', {
      job: job.id,
      teacher: p.teacher.name,
      student: published.model,
      version,
      agreement: candidate.accuracy,
      deploy: o.deploy.mode,
    });
  });
}

/** The distillation's own figures: agreement with the teacher, the teacher's label counts, accuracies on labelled inputs. */
function distillFigures(
  p: PreparedDistillation,
  classes: string[],
  top: Int32Array,
  validation: number[],
  predictions: Int32Array,
  candidate: Scores,
  base: Scores | undefined,
  valF: Features,
): DistillResult {
  const s = p.student;
  const teacherLabels: Record<string, number> = {};
  for (const t of top) teacherLabels[classes[t]!] = (teacherLabels[classes[t]!] ?? 0) + 1;
  const labelled = Int32Array.from(validation, (i) => {
    const l = p.inputs[i]!.label;
    return l === undefined ? -1 : classes.indexOf(l);
  });
  const count = labelled.filter((l) => l >= 0).length;
  const baseTop = valF.scores?.scores.map((row) =>
    classes.indexOf(valF.scores!.labels[row.indexOf(Math.max(...row))]!),
  );
  const o = p.options;
  return {
    teacher: p.teacher.name,
    student:
      s.kind === 'model'
        ? { model: s.model.name, base: { model: s.model.name, version: s.model.version } }
        : { model: s.publishAs, architecture: s.architecture },
    temperature: o.temperature,
    loss: o.loss,
    agreement: {
      student: candidate.accuracy,
      ...(base ? { base: base.accuracy } : {}),
      heldOut: validation.length,
    },
    teacherLabels,
    ...(count
      ? {
          accuracy: {
            labelled: count,
            teacher: accuracyOn(
              Int32Array.from(validation, (i) => top[i]!),
              labelled,
            ),
            student: accuracyOn(predictions, labelled),
            ...(base && baseTop ? { base: accuracyOn(baseTop, labelled) } : {}),
          },
        }
      : {}),
  };
}
