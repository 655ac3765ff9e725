import { describe, expect, it } from 'vitest';
import { ensembleSegments, voteSegments } from './segments.ts';

const seg = (start_s: number, end_s: number) => ({ start_s, end_s });

describe("an ensemble of segmenters' segments", () => {
  it('are voted per instant: in a segment where more than half of the weight says so', () => {
    const members = [
      { member: 'a', weight: 1, segments: [seg(1, 3), seg(5, 6)] },
      { member: 'b', weight: 1, segments: [seg(2, 4)] },
      { member: 'c', weight: 1, segments: [seg(2.5, 5.5)] },
    ];
    // 2 of 3: [2, 4] (a+b, then b+c), [5, 5.5] (a+c); a alone on [1, 2) and (5.5, 6] is out.
    expect(voteSegments(members)).toEqual([seg(2, 4), seg(5, 5.5)]);
  });

  it('weigh members by their weights, join stretches that touch, and keep nothing with two voters of equal weight split', () => {
    expect(
      voteSegments([
        { member: 'a', weight: 3, segments: [seg(0, 1), seg(1, 2)] },
        { member: 'b', weight: 1, segments: [seg(0, 5)] },
      ]),
    ).toEqual([seg(0, 2)]);
    expect(
      voteSegments([
        { member: 'a', weight: 1, segments: [seg(0, 1)] },
        { member: 'b', weight: 1, segments: [seg(1, 2)] },
      ]),
    ).toEqual([]);
  });

  it("are the deciding member's own when one decided (max-confidence, a confident cascade)", () => {
    const members = [
      { member: 'a', weight: 1, segments: [seg(1, 3)] },
      { member: 'b', weight: 1, segments: [seg(2, 4)] },
    ];
    expect(ensembleSegments(members, 'b')).toEqual([seg(2, 4)]);
    expect(ensembleSegments(members)).toEqual([seg(2, 3)]); // the vote: where both say so
  });
});
