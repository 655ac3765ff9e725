import { describe, expect, it } from 'vitest';
import { scoreReport } from './report.ts';

describe('scoreReport', () => {
  it('gives accuracy, per-class precision/recall/support and confusion[true][predicted]', () => {
    const r = scoreReport(Int32Array.of(0, 1, 1, 2, 0), Int32Array.of(0, 1, 0, 2, 2), ['a', 'b', 'c']);
    expect(r.accuracy).toBeCloseTo(3 / 5);
    expect(r.confusion).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 1],
    ]);
    expect(r.perClass.a).toEqual({ precision: 0.5, recall: 0.5, support: 2 });
    expect(r.perClass.b).toEqual({ precision: 0.5, recall: 1, support: 1 });
    expect(r.perClass.c).toEqual({ precision: 1, recall: 0.5, support: 2 });
  });

  it('scores a never-predicted, absent class 0 without NaN', () => {
    const r = scoreReport(Int32Array.of(0), Int32Array.of(0), ['a', 'b']);
    expect(r.perClass.b).toEqual({ precision: 0, recall: 0, support: 0 });
  });

  it('refuses mismatched lengths and out-of-range classes', () => {
    expect(() => scoreReport(Int32Array.of(0), Int32Array.of(0, 1), ['a', 'b'])).toThrow(/predictions/);
    expect(() => scoreReport(Int32Array.of(2), Int32Array.of(0), ['a', 'b'])).toThrow(/out of range/);
  });
});
