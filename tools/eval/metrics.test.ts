import { describe, expect, it } from 'vitest';
import { score, table } from './metrics.ts';

describe('evaluation metrics', () => {
  it('computes accuracy, per-class recall and latency percentiles', () => {
    const r = score(
      'm',
      ['cat', 'cat', 'dog', 'dog', 'dog'],
      ['Cat', 'dog', 'dog', undefined, 'dog'],
      [10, 20, 30, 40, 50],
    );
    expect(r.accuracy).toBeCloseTo(3 / 5);
    expect(r.recall).toEqual({ cat: 0.5, dog: 2 / 3 });
    expect(r.meanMs).toBe(30);
    expect(r.p95Ms).toBe(50);
    expect(r.errors).toBe(1);
    expect(table([r])).toContain('| m | 0.600 | 0.50 | 0.67 | 30.0 | 50.0 | 1 |');
  });
});
