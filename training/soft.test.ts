import * as tf from '../runtimes/tfjs/tf.ts';
import { describe, expect, it } from 'vitest';
import { setLogLevel } from '../core/log.ts';
import { loadTrainedHead } from '../test/support/heads.ts';
import { seededRandom } from '../core/random.ts';
import { softLossOf, softTargetLoss, temper } from './soft.ts';
import { gaussianClusters } from './synthetic.ts';
import { trainHead } from './train.ts';
import type { TrainData, TrainOptions } from './types.ts';

setLogLevel('silent');

const options: TrainOptions = {
  epochs: 12,
  learningRate: 0.01,
  batchSize: 16,
  patience: 0,
  seed: 5,
  hidden: 0,
  dropout: 0,
  unfreeze: 0,
};

/**
 * A "teacher" for Gaussian clusters: a fixed random linear map of the features through a softmax, so that its
 * top class is a function of the features (learnable) but not the clusters' own labels.
 */
function withTeacher(data: TrainData, temperature = 3): TrainData {
  const k = data.classes.length;
  const row = data.featureShape.reduce((a, b) => a * b, 1);
  const rand = seededRandom(99);
  const w = Float32Array.from({ length: row * k }, () => rand() * 2 - 1);
  const teach = (features: Float32Array) => {
    const n = features.length / row;
    const out = new Float32Array(n * k);
    const top = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: k }, (_, c) => {
        let s = 0;
        for (let j = 0; j < row; j++) s += features[i * row + j]! * w[j * k + c]!;
        return s / 4;
      });
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b);
      for (const [c, v] of e.entries()) out[i * k + c] = v / sum;
      top[i] = z.indexOf(max);
    }
    return { out, top };
  };
  const train = teach(data.features);
  const validation = teach(data.validation.features);
  return {
    ...data,
    labels: train.top,
    validation: { ...data.validation, labels: validation.top },
    soft: { targets: train.out, validation: validation.out, temperature, loss: 'kl' },
  };
}

describe('soft targets (distillation)', () => {
  it('tempers probabilities: T = 1 keeps them, T > 1 flattens them, rows still sum to 1', () => {
    const p = Float32Array.of(0.9, 0.1, 0.5, 0.5);
    expect(Array.from(temper(p, 2, 1)).map((v) => +v.toFixed(6))).toEqual([0.9, 0.1, 0.5, 0.5]);
    const flat = temper(p, 2, 2);
    expect(flat[0]).toBeCloseTo(0.75, 5); // 3 : 1 = sqrt(9 : 1)
    expect(flat[0]! + flat[1]!).toBeCloseTo(1, 6);
  });

  it('the loss in numbers equals the TensorFlow.js loss; KL is 0 when the student matches the teacher', () => {
    const rand = seededRandom(3);
    const row = () => {
      const r = Array.from({ length: 4 }, () => rand() + 0.01);
      const s = r.reduce((a, b) => a + b);
      return r.map((v) => v / s);
    };
    for (const kind of ['kl', 'cross-entropy'] as const) {
      const targets = [row(), row()];
      const predicted = [row(), row()];
      const tfLoss = tf.tidy(() =>
        Array.from(softTargetLoss(2, kind)(tf.tensor2d(targets), tf.tensor2d(predicted)).dataSync()),
      );
      for (const [i, t] of targets.entries()) expect(softLossOf(t, predicted[i]!, 2, kind)).toBeCloseTo(tfLoss[i]!, 4);
    }
    const same = Array.from(temper(Float32Array.from(row()), 4, 3));
    expect(softLossOf(same, row(), 3, 'kl')).toBeGreaterThan(0);
    // A student whose tempered output is the target: its raw softmax is the target sharpened back (p^T).
    const raw = same.map((v) => v ** 3);
    const sum = raw.reduce((a, b) => a + b);
    expect(
      softLossOf(
        same,
        raw.map((v) => v / sum),
        3,
        'kl',
      ),
    ).toBeCloseTo(0, 5);
  });

  it('trains a head on a teacher’s soft targets: top-1 agreement ≥ 0.9, validation loss is the soft loss', async () => {
    const clusters = gaussianClusters({ classes: 3, shape: [32], train: 90, validation: 30, seed: 4 });
    const data = withTeacher(clusters);
    expect(data.validation.labels).not.toEqual(clusters.validation.labels);
    const softValidation = data.soft!.validation.slice();
    const result = await trainHead(data, options);
    // The teacher's top class is not the cluster's: the student follows the teacher.
    expect(result.validation.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.epochs.at(-1)!.loss).toBeLessThan(result.epochs[0]!.loss);
    // The reported validation loss is T²·KL against the tempered teacher: recompute it from the saved head.
    const model = await loadTrainedHead(result);
    const q = tf.tidy(() => (model.predict(tf.tensor2d(data.validation.features, [30, 32])) as tf.Tensor).dataSync());
    model.dispose();
    const targets = temper(softValidation, 3, 3);
    let loss = 0;
    for (let i = 0; i < 30; i++)
      loss += softLossOf(targets.subarray(i * 3, i * 3 + 3), q.subarray(i * 3, i * 3 + 3), 3, 'kl');
    expect(result.validation.loss).toBeCloseTo(loss / 30, 4);
    expect(result.validation.loss).toBe(result.epochs.at(-1)!.valLoss);
  });

  it('refuses soft targets that are not probabilities, of the wrong size, or a temperature out of range', async () => {
    const data = withTeacher(gaussianClusters({ classes: 3, shape: [8], train: 9, validation: 3, seed: 6 }));
    const broken = (soft: Partial<NonNullable<TrainData['soft']>>) =>
      trainHead({ ...data, soft: { ...data.soft!, ...soft } }, options);
    await expect(broken({ temperature: 0 })).rejects.toThrow(/temperature must be in/);
    await expect(broken({ targets: data.soft!.targets.subarray(3) })).rejects.toThrow(/9 × 3 probabilities/);
    const halved = data.soft!.validation.map((p) => p / 2);
    await expect(broken({ validation: halved })).rejects.toThrow(/sums to 0.5/);
  });
});
