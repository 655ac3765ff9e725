import { describe, expect, it } from 'vitest';
import { anchors, decodeFaces, letterbox, weightedNms } from './blazeface.ts';

describe('BlazeFace decoding', () => {
  it('letterboxes an image into the square, centred, aspect kept', () => {
    expect(letterbox(512, 256)).toEqual({ scale: 0.5, width: 256, height: 128, left: 0, top: 64 });
    expect(letterbox(100, 400)).toEqual({ scale: 0.64, width: 64, height: 256, left: 96, top: 0 });
  });

  it("has Human's 896 anchors: 16×16 cells of stride 16 (2 each), then 8×8 of stride 32 (6 each)", () => {
    const a = anchors();
    expect(a.length / 2).toBe(896);
    expect([a[0], a[1], a[2], a[3]]).toEqual([8, 8, 8, 8]); // the first cell's two anchors
    expect([a[2 * 512], a[2 * 512 + 1]]).toEqual([16, 16]); // the first stride-32 cell
    expect([a.at(-2), a.at(-1)]).toEqual([240, 240]);
  });

  it('merges overlapping candidates into one face (score-weighted box, best score), keeps apart ones', () => {
    const faces = weightedNms(
      [
        { x1: 0, y1: 0, x2: 10, y2: 10, score: 0.9 },
        { x1: 2, y1: 0, x2: 12, y2: 10, score: 0.6 },
        { x1: 50, y1: 50, x2: 60, y2: 60, score: 0.8 },
      ],
      0.3,
      10,
    );
    expect(faces).toHaveLength(2);
    expect(faces[0]).toMatchObject({ y1: 0, y2: 10, score: 0.9 });
    expect(faces[0]!.x1).toBeCloseTo(0.8); // (0·0.9 + 2·0.6) / 1.5
    expect(faces[1]).toMatchObject({ x1: 50, score: 0.8 });
    expect(weightedNms(faces, 0.3, 1)).toHaveLength(1);
  });

  it("maps an anchor's box from the letterboxed input back to the image's pixels", () => {
    const logits = new Float32Array(896).fill(-10);
    const regressors = new Float32Array(896 * 16);
    const i = 512 + 3 * 8 * 6 + 4 * 6; // a stride-32 anchor: cell (4, 3), centre (144, 112)
    logits[i] = 3; // sigmoid ≈ 0.95
    regressors.set([2, -4, 40, 20], i * 16); // centre offset (2, -4), size 40 × 20
    // A 512 × 256 image: scale 0.5, 64 pixels of padding above.
    const [face] = decodeFaces(
      { logits, regressors },
      { width: 512, height: 256 },
      {
        minScore: 0.75,
        iouThreshold: 0.3,
        maxFaces: 5,
      },
    );
    expect(face!.x1).toBeCloseTo((146 - 20) / 0.5);
    expect(face!.x2).toBeCloseTo((146 + 20) / 0.5);
    expect(face!.y1).toBeCloseTo((108 - 10 - 64) / 0.5);
    expect(face!.y2).toBeCloseTo((108 + 10 - 64) / 0.5);
    expect(face!.score).toBeCloseTo(1 / (1 + Math.exp(-3)));
    expect(
      decodeFaces(
        { logits, regressors },
        { width: 512, height: 256 },
        { minScore: 0.96, iouThreshold: 0.3, maxFaces: 5 },
      ),
    ).toEqual([]);
  });
});
