import { describe, expect, it } from 'vitest';
import { bucketQuantile } from './quantile.ts';

const b = (pairs: Array<[number, number]>) => pairs.map(([le, count]) => ({ le, count }));

describe('bucketQuantile', () => {
  it('interpolates inside the bucket that holds the rank, from 0 for the first bucket', () => {
    const h = b([
      [0.1, 2],
      [1, 4],
      [Infinity, 4],
    ]);
    expect(bucketQuantile(0.5, h)).toBeCloseTo(0.1);
    expect(bucketQuantile(0.25, h)).toBeCloseTo(0.05);
    expect(bucketQuantile(0.75, h)).toBeCloseTo(0.55);
    expect(bucketQuantile(1, h)).toBeCloseTo(1);
  });

  it('skips empty buckets, answers the largest finite bound for a rank in +Inf, and null when empty', () => {
    expect(
      bucketQuantile(
        0.5,
        b([
          [0.1, 0],
          [0.2, 0],
          [0.4, 10],
          [Infinity, 10],
        ]),
      ),
    ).toBeCloseTo(0.3);
    expect(
      bucketQuantile(
        0.99,
        b([
          [0.1, 1],
          [Infinity, 10],
        ]),
      ),
    ).toBe(0.1);
    expect(bucketQuantile(0.5, b([[Infinity, 0]]))).toBeNull();
    expect(bucketQuantile(0.5, [])).toBeNull();
  });

  it('takes the buckets in any order', () => {
    expect(
      bucketQuantile(
        0.5,
        b([
          [Infinity, 4],
          [1, 4],
          [0.1, 2],
        ]),
      ),
    ).toBeCloseTo(0.1);
  });
});
