import { describe, expect, it } from 'vitest';
import { unclip } from './unclip.ts';

describe('unclip', () => {
  it("grows every side by area × ratio / perimeter, PaddleOCR's offset distance, keeping centre and direction", () => {
    const r = { cx: 5, cy: 6, ux: 0.6, uy: 0.8, width: 30, height: 10 };
    // area 300, perimeter 80, ratio 1.5: 5.625 on each side.
    expect(unclip(r, 1.5)).toEqual({ ...r, width: 41.25, height: 21.25 });
  });

  it('leaves a rectangle without area as it is', () => {
    const r = { cx: 0, cy: 0, ux: 1, uy: 0, width: 12, height: 0 };
    expect(unclip(r, 2)).toEqual(r);
    expect(unclip({ ...r, width: 0 }, 2)).toEqual({ ...r, width: 0 });
  });
});
