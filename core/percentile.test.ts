import { describe, expect, it } from 'vitest';
import { percentile, percentiles } from './percentile.ts';

describe('percentile (nearest rank)', () => {
  it('picks the smallest sample with at least p % at or below it, whatever the order', () => {
    const xs = [15, 20, 35, 40, 50];
    expect(percentiles([50, 40, 35, 20, 15], [5, 30, 40, 50, 100])).toEqual([15, 20, 20, 35, 50]);
    expect(percentile(xs, 0)).toBe(15);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        99,
      ),
    ).toBe(99);
    expect(
      percentile(
        Array.from({ length: 1000 }, (_, i) => 1000 - i),
        99,
      ),
    ).toBe(990);
  });

  it('sorts numerically, not as text, and leaves its input alone', () => {
    const xs = [10, 9, 100, 1];
    expect(percentile(xs, 75)).toBe(10);
    expect(xs).toEqual([10, 9, 100, 1]);
  });

  it('is NaN for no samples and the sample itself for one', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([7], 99)).toBe(7);
    expect(percentile(new Float64Array([3, 1, 2]), 50)).toBe(2);
  });
});
