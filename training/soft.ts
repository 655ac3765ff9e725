import * as tf from '../runtimes/tfjs/tf.ts';

/** Probabilities are clipped to [EPSILON, 1] before their logarithm (as Keras does in cross-entropy). */
const EPSILON = 1e-7;

/**
 * The soft-target loss of distillation: `kl` is T²·KL(p_T ‖ q_T), `cross-entropy` is T²·H(p_T, q_T); they
 * differ by the teacher's entropy, a constant, so they train alike and only the reported loss differs.
 */
export type SoftLoss = 'kl' | 'cross-entropy';

/**
 * Tempers rows of probabilities: softmax(log p / T) per row of `classes` values (T > 1 flattens them,
 * T = 1 leaves them as they are, up to clipping). Used on the teacher's probabilities once, before training.
 *
 * @example
 * temper(Float32Array.of(0.9, 0.1), 2, 2); // ≈ [0.75, 0.25]
 */
export function temper(probabilities: Float32Array, classes: number, temperature: number): Float32Array {
  const out = new Float32Array(probabilities.length);
  for (let r = 0; r < probabilities.length; r += classes) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      const z = Math.log(Math.max(EPSILON, probabilities[r + c]!)) / temperature;
      out[r + c] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += out[r + c] = Math.exp(out[r + c]! - max);
    for (let c = 0; c < classes; c++) out[r + c]! /= sum;
  }
  return out;
}

/**
 * The per-example soft-target loss as a TensorFlow.js loss function: `yTrue` holds the tempered teacher
 * probabilities p_T (see `temper`), `yPred` the student's softmax output q, tempered here as
 * softmax(log q / T) — the student's logits divided by T, since log q differs from them by a constant per row.
 *
 * @example
 * model.compile({ optimizer, loss: softTargetLoss(4, 'kl'), metrics: ['accuracy'] }); // accuracy = top-1 agreement
 */
export function softTargetLoss(temperature: number, kind: SoftLoss): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  const t2 = temperature * temperature;
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const logQ = tf.logSoftmax(tf.div(tf.log(tf.clipByValue(yPred, EPSILON, 1)), temperature));
      const crossEntropy = tf.neg(tf.sum(tf.mul(yTrue, logQ), -1));
      const loss =
        kind === 'kl'
          ? tf.add(crossEntropy, tf.sum(tf.mul(yTrue, tf.log(tf.clipByValue(yTrue, EPSILON, 1))), -1))
          : crossEntropy;
      return tf.mul(loss, t2);
    });
}

/**
 * The same loss for one example in plain numbers (for scoring the validation set without a graph): `target`
 * tempered teacher probabilities, `predicted` the student's softmax output.
 */
export function softLossOf(
  target: ArrayLike<number>,
  predicted: ArrayLike<number>,
  temperature: number,
  kind: SoftLoss,
): number {
  const k = target.length;
  let max = -Infinity;
  const z = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    z[c] = Math.log(Math.max(EPSILON, Math.min(1, predicted[c]!))) / temperature;
    if (z[c]! > max) max = z[c]!;
  }
  let sum = 0;
  for (let c = 0; c < k; c++) sum += Math.exp(z[c]! - max);
  const logSum = max + Math.log(sum);
  let loss = 0;
  for (let c = 0; c < k; c++) {
    const p = target[c]!;
    loss -= p * (z[c]! - logSum);
    if (kind === 'kl') loss += p * Math.log(Math.max(EPSILON, Math.min(1, p)));
  }
  return loss * temperature * temperature;
}
