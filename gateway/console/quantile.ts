/** One cumulative histogram bucket: observations ≤ `le` (Infinity for `+Inf`). */
export interface Bucket {
  le: number;
  count: number;
}

/**
 * The q-quantile (q in [0, 1]) of a cumulative histogram, as Prometheus's `histogram_quantile` estimates it: the
 * bucket holding the rank is found and the value interpolated linearly inside it (from 0 for the first bucket).
 * A rank in the `+Inf` bucket answers the largest finite bound. Null when the histogram holds no observation.
 *
 * @example bucketQuantile(0.5, [{ le: 0.1, count: 2 }, { le: 1, count: 4 }, { le: Infinity, count: 4 }]) // 0.1
 */
export function bucketQuantile(q: number, buckets: readonly Bucket[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const b of sorted) {
    if (b.count >= rank && b.count > below) {
      if (!Number.isFinite(b.le)) return lower;
      return lower + ((b.le - lower) * (rank - below)) / (b.count - below);
    }
    if (Number.isFinite(b.le)) lower = b.le;
    below = b.count;
  }
  return lower;
}
