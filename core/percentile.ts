/**
 * Percentiles of samples by the nearest-rank method: for p in [0, 100], the smallest sample with at
 * least p % of the samples at or below it. One sort serves every p asked for; NaN for no samples.
 *
 * @example percentiles([5, 1, 4, 2, 3], [50, 99]) // [3, 5]
 */
export function percentiles(samples: ArrayLike<number>, ps: readonly number[]): number[] {
  const sorted = Float64Array.from(samples).sort();
  return ps.map((p) =>
    sorted.length === 0
      ? NaN
      : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!,
  );
}

/**
 * The p-th percentile (p in [0, 100]) of samples, nearest rank; NaN for no samples.
 *
 * @example percentile([5, 1, 4, 2, 3], 50) // 3
 */
export function percentile(samples: ArrayLike<number>, p: number): number {
  return percentiles(samples, [p])[0]!;
}
