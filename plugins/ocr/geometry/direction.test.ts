import { describe, expect, it } from 'vitest';
import { dominantDirection, orient } from './direction.ts';
import { corners, type RotatedRect } from './rect.ts';

const deg = (d: number) => (d * Math.PI) / 180;
const rect = (angle: number, width: number, height: number): RotatedRect => ({
  cx: 0,
  cy: 0,
  ux: Math.cos(deg(angle)),
  uy: Math.sin(deg(angle)),
  width,
  height,
});
const angleOf = ([x, y]: readonly [number, number]) => +((Math.atan2(y, x) * 180) / Math.PI).toFixed(6);

describe('dominantDirection', () => {
  it('is the tilt of the lines, whichever way round each box was found', () => {
    // The same 5° tilt seen as a width at 5°, at 185°, and as a height at 95° (width along −85°).
    expect(angleOf(dominantDirection([rect(5, 300, 30), rect(185, 200, 30), rect(-85, 30, 250)]))).toBe(5);
    expect(angleOf(dominantDirection([rect(-2, 300, 30), rect(178, 100, 20)]))).toBe(-2);
  });

  it('weighs long boxes over short ones, ignores squares, and points right by default', () => {
    expect(angleOf(dominantDirection([rect(3, 400, 30), rect(40, 40, 30), rect(70, 50, 50)]))).toBeLessThan(4);
    expect(dominantDirection([rect(30, 20, 20)])).toEqual([1, 0]);
    expect(dominantDirection([])).toEqual([1, 0]);
  });
});

describe('orient', () => {
  it("puts the width along the side nearest the text direction, so the corners start at the text's top-left", () => {
    const dir = [Math.cos(deg(4)), Math.sin(deg(4))] as const;
    for (const r of [rect(4, 300, 30), rect(184, 300, 30), rect(94, 30, 300), rect(-86, 30, 300)]) {
      const o = orient(r, dir);
      expect([+o.width.toFixed(9), +o.height.toFixed(9), angleOf([o.ux, o.uy])]).toEqual([300, 30, 4]);
      // The first corner is the top-left: left of the centre along the text, above it across.
      const [x, y] = corners(o)[0];
      expect(x < 0 && y < 0).toBe(true);
    }
  });

  it('keeps a tall box upright on a horizontal page (a single character is not turned)', () => {
    const o = orient(rect(90, 40, 12), [1, 0]);
    expect([+o.width.toFixed(9), +o.height.toFixed(9), +o.ux.toFixed(9)]).toEqual([12, 40, 1]);
  });
});
