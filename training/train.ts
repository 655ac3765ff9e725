import * as tf from '../runtimes/tfjs/tf.ts';
import { GatewayError } from '../core/errors.ts';
import { log } from '../core/log.ts';
import { initBackend } from '../runtimes/tfjs/backend.ts';
import { checkTrainInput, sizeOf } from './check.ts';
import { buildHead, nextSeed } from './head.ts';
import { scoreReport } from './report.ts';
import { saveModel } from './save.ts';
import { seededRandom } from '../core/random.ts';
import { shuffleInPlace } from './split.ts';
import { softLossOf, softTargetLoss, temper, type SoftLoss } from './soft.ts';
import type { EpochReport, TrainData, TrainHooks, TrainOptions, TrainResult } from './types.ts';

/** Keras's clipping of probabilities in cross-entropy. */
const EPSILON = 1e-7;
/** Examples per forward pass when scoring the validation set. */
const EVAL_CHUNK = 256;
/** A pause is slept in slices this long, so that a cancel is seen within one slice. */
const SLEEP_SLICE_MS = 50;

const cancelled = () => new GatewayError('CANCELLED', 'the job was cancelled');

/** True when `e` says the backend lacks a kernel (forward or gradient) that training needs. */
export function isMissingKernel(e: unknown): boolean {
  return /kernel '[^']*' not registered|not (yet )?implemented|gradient .* not (yet )?defined/i.test(
    e instanceof Error ? e.message : String(e),
  );
}

/**
 * The CPU share as a duty cycle: after `computeMs` of work, sleep computeMs·(1/share − 1) ms, so that
 * the thread computes `share` of the time (0.5 ≈ half a core).
 *
 * @example
 * dutyCyclePauseMs(40, 0.25); // 120
 */
export function dutyCyclePauseMs(computeMs: number, share: number): number {
  return share >= 1 ? 0 : Math.max(0, computeMs) * (1 / share - 1);
}

/** After each batch: cancellation, the CPU share's pause (sliced, so a cancel stops it), a turn of the event loop. */
async function checkpoint(hooks: TrainHooks, computeMs: number): Promise<void> {
  if (hooks.shouldStop?.()) throw cancelled();
  let pause = Math.max(0, hooks.pauseMs?.(computeMs) ?? 0);
  do {
    const slice = Math.min(pause, SLEEP_SLICE_MS);
    await new Promise((resolve) => (slice > 0 ? setTimeout(resolve, slice) : setImmediate(resolve)));
    if (hooks.shouldStop?.()) throw cancelled();
    pause -= slice;
  } while (pause > 0);
}

/** Tempered soft targets of a set (distillation): the loss is then the soft-target loss against them. */
interface SoftScoring {
  targets: Float32Array;
  temperature: number;
  loss: SoftLoss;
}

/**
 * Loss, accuracy and predicted classes of `model` on a labelled set, in chunks; with `soft`, the loss is the
 * soft-target loss (accuracy stays top-1 against `labels`, the teacher's top classes).
 */
async function evaluate(
  model: tf.LayersModel,
  features: Float32Array,
  labels: Int32Array,
  shape: number[],
  classes: number,
  hooks: TrainHooks,
  soft?: SoftScoring,
) {
  const row = sizeOf(shape);
  const predictions = new Int32Array(labels.length);
  let loss = 0;
  let correct = 0;
  for (let b = 0; b < labels.length; b += EVAL_CHUNK) {
    const m = Math.min(EVAL_CHUNK, labels.length - b);
    const start = performance.now();
    const probs = tf.tidy(
      () => model.predict(tf.tensor(features.subarray(b * row, (b + m) * row), [m, ...shape])) as tf.Tensor,
    );
    const p = await probs.data();
    probs.dispose();
    for (let i = 0; i < m; i++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (p[i * classes + c]! > p[i * classes + best]!) best = c;
      predictions[b + i] = best;
      const label = labels[b + i]!;
      if (best === label) correct++;
      const at = (b + i) * classes;
      loss += soft
        ? softLossOf(
            soft.targets.subarray(at, at + classes),
            p.subarray(i * classes, (i + 1) * classes),
            soft.temperature,
            soft.loss,
          )
        : -Math.log(Math.min(1 - EPSILON, Math.max(EPSILON, p[i * classes + label]!)));
    }
    await checkpoint(hooks, performance.now() - start);
  }
  return { loss: loss / labels.length, accuracy: correct / labels.length, predictions };
}

/** Dropout layers draw a fresh mask per batch from the run's seed (a fixed layer seed would repeat one mask). */
function seedDropouts(model: tf.LayersModel, rand: (() => number) | undefined): void {
  for (const layer of model.layers) {
    if (layer.getClassName() === 'Dropout')
      (layer as unknown as { seed: number | undefined }).seed = rand ? nextSeed(rand) : undefined;
  }
}

/** One training run on the current backend. */
async function run(data: TrainData, options: TrainOptions, hooks: TrainHooks, backend: string): Promise<TrainResult> {
  const rand = seededRandom(options.seed);
  const model = await buildHead(data, options, rand);
  const best: { epoch: number; loss: number; weights?: tf.Tensor[] } = { epoch: 0, loss: Infinity };
  const optimizer = tf.train.adam(options.learningRate);
  try {
    const k = data.classes.length;
    // Distillation: the teacher's probabilities, tempered once; the loss tempers the student's per batch.
    const soft = data.soft && {
      train: temper(data.soft.targets, k, data.soft.temperature),
      validation: {
        targets: temper(data.soft.validation, k, data.soft.temperature),
        temperature: data.soft.temperature,
        loss: data.soft.loss,
      },
    };
    const loss = data.soft ? softTargetLoss(data.soft.temperature, data.soft.loss) : 'categoricalCrossentropy';
    model.compile({ optimizer, loss, metrics: ['accuracy'] });
    const shape = data.featureShape;
    const row = sizeOf(shape);
    const n = data.labels.length;
    const order = Int32Array.from({ length: n }, (_, i) => i);
    const batch = Math.min(options.batchSize, n);
    const xs = new Float32Array(batch * row);
    const ys = new Int32Array(batch);
    const ySoft = soft ? new Float32Array(batch * k) : undefined;
    const epochs: EpochReport[] = [];
    let stoppedEarly = false;
    const validate = (h: TrainHooks) =>
      evaluate(model, data.validation.features, data.validation.labels, shape, k, h, soft?.validation);
    if (options.patience > 0 && data.base?.output) {
      // A head that starts as its base (its output layer reused) is scored before training, as epoch 0: if no
      // epoch beats it on validation loss, the base's own weights come back rather than worse ones.
      const start = await validate(hooks);
      Object.assign(best, { epoch: 0, loss: start.loss, weights: model.getWeights().map((w) => w.clone()) });
    }
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const started = performance.now();
      shuffleInPlace(order, rand);
      let lossSum = 0;
      let accuracy = 0;
      for (let b = 0; b < n; b += batch) {
        const m = Math.min(batch, n - b);
        for (let i = 0; i < m; i++) {
          const src = order[b + i]!;
          xs.set(data.features.subarray(src * row, (src + 1) * row), i * row);
          ys[i] = data.labels[src]!;
          ySoft?.set(soft!.train.subarray(src * k, (src + 1) * k), i * k);
        }
        seedDropouts(model, rand);
        const start = performance.now();
        const x = tf.tensor(xs.subarray(0, m * row), [m, ...shape]);
        const y = ySoft
          ? tf.tensor2d(ySoft.subarray(0, m * k), [m, k])
          : tf.tidy(() => tf.oneHot(tf.tensor1d(ys.subarray(0, m), 'int32'), k));
        let out: number | number[];
        try {
          out = await model.trainOnBatch(x, y);
        } finally {
          x.dispose();
          y.dispose();
        }
        const [l, a] = out as number[];
        lossSum += l! * m;
        accuracy += a! * m;
        await checkpoint(hooks, performance.now() - start);
      }
      const val = await validate(hooks);
      const report: EpochReport = {
        epoch,
        loss: lossSum / n,
        accuracy: accuracy / n,
        valLoss: val.loss,
        valAccuracy: val.accuracy,
        ms: Math.round(performance.now() - started),
      };
      epochs.push(report);
      hooks.onEpoch?.(report);
      if (options.patience > 0) {
        if (val.loss < best.loss) {
          tf.dispose(best.weights);
          Object.assign(best, { epoch, loss: val.loss, weights: model.getWeights().map((w) => w.clone()) });
        } else if (epoch - best.epoch >= options.patience) {
          stoppedEarly = epoch < options.epochs;
          break;
        }
      }
    }
    if (best.weights && best.epoch !== epochs.length) model.setWeights(best.weights);
    const bestEpoch = best.weights ? best.epoch : epochs.length;
    seedDropouts(model, undefined);
    const val = await validate({});
    const { modelJson, weights } = await saveModel(model);
    const { confusion } = scoreReport(val.predictions, data.validation.labels, data.classes);
    return { modelJson, weights, epochs, bestEpoch, stoppedEarly, backend, validation: { ...val, confusion } };
  } finally {
    tf.dispose(best.weights);
    model.dispose();
    optimizer.dispose(); // not owned by the model: its dispose() leaves it
  }
}

/**
 * Trains a new head on precomputed features in the current thread (call it from a worker:
 * `startTraining` does): Adam, categorical cross-entropy on one-hot labels (or, with `data.soft`, a
 * soft-target loss on the teacher's tempered probabilities: training/soft.ts), seeded shuffling each
 * epoch, validation after each epoch, early stopping on validation loss with the best epoch's weights
 * restored (`patience` > 0), cancellation checked after every batch. Tensors are made per batch and
 * disposed, so memory does not grow with the epochs. Runs on `initBackend()`'s backend; if a step
 * fails there for lack of a kernel, the run starts again on 'cpu' (`result.backend` says which ran).
 *
 * @example
 * const result = await trainHead(data, { epochs: 20, learningRate: 1e-3, batchSize: 32, patience: 3, seed: 1, hidden:
 * 0, dropout: 0.2, unfreeze: 0 }, { onEpoch: console.log });
 */
export async function trainHead(data: TrainData, options: TrainOptions, hooks: TrainHooks = {}): Promise<TrainResult> {
  checkTrainInput(data, options);
  await initBackend();
  const backend = tf.getBackend();
  try {
    return await run(data, options, hooks, backend);
  } catch (e) {
    if (backend === 'cpu' || !isMissingKernel(e)) throw e;
    log.warn('training fell back to the cpu backend', { backend, error: (e as Error).message });
    await tf.setBackend('cpu');
    return run(data, options, hooks, 'cpu');
  }
}
