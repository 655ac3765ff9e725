import { describe, expect, it } from 'vitest';
import { readingOrder } from './reading-order.ts';
import type { RotatedRect } from './rect.ts';

const deg = (d: number) => (d * Math.PI) / 180;

/** Boxes laid out as words on lines of a page turned by `angle` about the origin. */
function page(angle: number, words: Array<[x: number, y: number, width: number]>): RotatedRect[] {
  const [c, s] = [Math.cos(deg(angle)), Math.sin(deg(angle))];
  return words.map(([x, y, width]) => ({ cx: x * c - y * s, cy: x * s + y * c, ux: c, uy: s, width, height: 30 }));
}

describe('readingOrder', () => {
  // Two lines 40 px apart, two words each, the first line long: on a page tilted 5°, the centre of its
  // last word (y ≈ 152) sits within half a line of the next line's first word (y ≈ 166).
  const words: Array<[number, number, number]> = [
    [600, 100, 160], // line 1, word 2
    [300, 140, 200], // line 2, word 1
    [200, 100, 400], // line 1, word 1
    [520, 140, 150], // line 2, word 2
  ];

  it('follows the lines of a tilted page, not the page axes', () => {
    for (const angle of [-5, 0, 5]) {
      const rects = page(angle, words);
      const dir = [Math.cos(deg(angle)), Math.sin(deg(angle))] as const;
      expect(readingOrder(rects, dir)).toEqual([2, 0, 1, 3]);
    }
  });

  it('sorting by the page axes instead would mix the lines (what the direction is for)', () => {
    const rects = page(5, words);
    expect(readingOrder(rects, [1, 0])).not.toEqual([2, 0, 1, 3]);
  });
});
