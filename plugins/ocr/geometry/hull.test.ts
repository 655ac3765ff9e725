import { describe, expect, it } from 'vitest';
import { convexHull } from './hull.ts';

describe('convexHull', () => {
  it('keeps the corners of a square, clockwise on the page, and drops inner, edge and repeated points', () => {
    expect(
      convexHull([
        [0, 0],
        [2, 0],
        [1, 1],
        [2, 2],
        [0, 2],
        [1, 0],
        [2, 2],
      ]),
    ).toEqual([
      [0, 0],
      [2, 0],
      [2, 2],
      [0, 2],
    ]);
  });

  it('is the two ends of collinear points, one point for repeats of one, and nothing for nothing', () => {
    expect(
      convexHull([
        [1, 1],
        [3, 3],
        [2, 2],
      ]),
    ).toEqual([
      [1, 1],
      [3, 3],
    ]);
    expect(
      convexHull([
        [4, 5],
        [4, 5],
      ]),
    ).toEqual([[4, 5]]);
    expect(convexHull([])).toEqual([]);
  });
});
