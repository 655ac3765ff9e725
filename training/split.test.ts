import { describe, expect, it } from 'vitest';
import { seededRandom } from '../core/random.ts';
import { stratifiedSplit } from './split.ts';

describe('seededRandom', () => {
  it('repeats a sequence for a seed and differs between seeds', () => {
    const a = Array.from({ length: 5 }, seededRandom(42));
    expect(Array.from({ length: 5 }, seededRandom(42))).toEqual(a);
    expect(Array.from({ length: 5 }, seededRandom(43))).not.toEqual(a);
    expect(a.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});

describe('stratifiedSplit', () => {
  const labels = [...Array(20).fill(0), ...Array(5).fill(1), 2, 2, 3];

  it('puts about the fraction of each class in validation, at least one, keeping one for training', () => {
    const { train, validation } = stratifiedSplit(labels, 0.2, 1);
    const count = (idx: number[], c: number) => idx.filter((i) => labels[i] === c).length;
    expect([0, 1, 2, 3].map((c) => count(validation, c))).toEqual([4, 1, 1, 0]);
    expect([0, 1, 2, 3].map((c) => count(train, c))).toEqual([16, 4, 1, 1]);
    expect([...train, ...validation].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
  });

  it('keeps one training example of a class even at a large fraction', () => {
    const { train } = stratifiedSplit([0, 0, 1, 1, 1], 0.99, 3);
    expect(train.map((i) => [0, 0, 1, 1, 1][i])).toEqual([0, 1]);
  });

  it('is deterministic by seed and accepts typed arrays', () => {
    const a = stratifiedSplit(Int32Array.from(labels), 0.3, 5);
    expect(stratifiedSplit(labels, 0.3, 5)).toEqual(a);
    expect(stratifiedSplit(labels, 0.3, 6).validation).not.toEqual(a.validation);
  });

  it('refuses a fraction outside (0, 1)', () => {
    expect(() => stratifiedSplit(labels, 1, 1)).toThrow(/fraction/);
  });
});
