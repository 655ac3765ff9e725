import { invalidInput } from '../core/errors.ts';
import type { TrainData, TrainOptions } from './types.ts';

const RANGES: Record<keyof TrainOptions, { min: number; max: number; integer: boolean }> = {
  epochs: { min: 1, max: 1000, integer: true },
  learningRate: { min: Number.MIN_VALUE, max: 10, integer: false },
  batchSize: { min: 1, max: 1024, integer: true },
  patience: { min: 0, max: 1000, integer: true },
  seed: { min: 0, max: 2 ** 32 - 1, integer: true },
  hidden: { min: 0, max: 4096, integer: true },
  dropout: { min: 0, max: 0.9, integer: false },
  unfreeze: { min: 0, max: 100, integer: true },
};

/** Number of values in one example of `shape`. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Validates options and data before any tensor is made: option ranges, feature/label lengths,
 * label indices, at least two classes and a non-empty validation set. Throws INVALID_INPUT.
 *
 * @example
 * checkTrainInput(data, { epochs: 0, ... }); // throws "epochs must be an integer in 1..1000, got 0"
 */
export function checkTrainInput(data: TrainData, options: TrainOptions): void {
  for (const [key, r] of Object.entries(RANGES) as Array<[keyof TrainOptions, (typeof RANGES)[keyof TrainOptions]]>) {
    const v = options[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < r.min || v > r.max || (r.integer && !Number.isInteger(v))) {
      const range =
        key === 'learningRate' ? '> 0 (and ≤ 10)' : `${r.integer ? 'an integer' : 'a number'} in ${r.min}..${r.max}`;
      throw invalidInput(`${key} must be ${range}, got ${String(v)}`);
    }
  }
  const shape = data.featureShape;
  if (
    !Array.isArray(shape) ||
    shape.length === 0 ||
    shape.length > 4 ||
    !shape.every((d) => Number.isInteger(d) && d > 0)
  ) {
    throw invalidInput(`featureShape must be 1 to 4 positive integers, got [${String(shape)}]`);
  }
  const row = sizeOf(shape);
  if (!Array.isArray(data.classes) || data.classes.length < 2)
    throw invalidInput(`training needs at least 2 classes, got ${data.classes?.length ?? 0}`);
  const sets = [
    ['training', data.features, data.labels],
    ['validation', data.validation?.features, data.validation?.labels],
  ] as const;
  for (const [name, features, labels] of sets) {
    if (!(features instanceof Float32Array) || !(labels instanceof Int32Array))
      throw invalidInput(`${name} features must be a Float32Array and labels an Int32Array`);
    if (labels.length === 0) throw invalidInput(`the ${name} set is empty`);
    if (features.length !== labels.length * row) {
      throw invalidInput(
        `${name} features hold ${features.length} values, expected ${labels.length} × ${row} for ${labels.length} labels of shape [${shape.join(', ')}]`,
      );
    }
    const bad = labels.findIndex((l) => l < 0 || l >= data.classes.length);
    if (bad >= 0)
      throw invalidInput(`${name} label ${labels[bad]} at ${bad} is not a class index (0..${data.classes.length - 1})`);
  }
  if (data.soft) checkSoftTargets(data);
}

/** Soft targets: one row of probabilities per example (finite, ≥ 0, summing to 1 ± 1e-3), a temperature in (0, 100]. */
function checkSoftTargets(data: TrainData): void {
  const soft = data.soft!;
  const k = data.classes.length;
  if (!(soft.temperature > 0 && soft.temperature <= 100))
    throw invalidInput(`temperature must be in (0, 100], got ${String(soft.temperature)}`);
  if (soft.loss !== 'kl' && soft.loss !== 'cross-entropy')
    throw invalidInput(`the soft-target loss is 'kl' or 'cross-entropy', got '${String(soft.loss)}'`);
  const sets = [
    ['training', soft.targets, data.labels.length],
    ['validation', soft.validation, data.validation.labels.length],
  ] as const;
  for (const [name, targets, n] of sets) {
    if (!(targets instanceof Float32Array) || targets.length !== n * k)
      throw invalidInput(`${name} soft targets must be a Float32Array of ${n} × ${k} probabilities`);
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const p = targets[r * k + c]!;
        if (!(p >= 0 && p <= 1)) throw invalidInput(`${name} soft target ${r} holds ${p}, not a probability`);
        sum += p;
      }
      if (Math.abs(sum - 1) > 1e-3) throw invalidInput(`${name} soft target ${r} sums to ${sum}, not 1`);
    }
  }
}
