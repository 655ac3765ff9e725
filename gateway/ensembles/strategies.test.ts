import { describe, expect, it } from 'vitest';
import { combine, hardVote, maxConfidence, softVote, weightedVote, type MemberVote } from './strategies.ts';

const vote = (member: string, probabilities: readonly number[], weight = 1): MemberVote => ({
  member,
  probabilities,
  weight,
});

describe('voting strategies (hand-computed)', () => {
  const a = vote('a', [0.7, 0.2, 0.1]);
  const b = vote('b', [0.1, 0.6, 0.3]);
  const c = vote('c', [0.5, 0.4, 0.1]);

  it('hard: majority of top labels', () => {
    const r = hardVote([a, b, c]);
    expect(r.winner).toBe(0); // a and c vote 0, b votes 1
    expect(r.probabilities).toEqual([2 / 3, 1 / 3, 0]);
  });

  it('hard: a tie goes to the label with the higher mean probability', () => {
    // a votes 0, b votes 1: tie 1–1; mean p(0) = (0.7+0.1)/2 = 0.4 = mean p(1) = (0.2+0.6)/2 → the first listed
    const r1 = hardVote([a, b]);
    expect(r1.winner).toBe(0);
    const d = vote('d', [0.05, 0.9, 0.05]);
    // a votes 0, d votes 1: mean p(0) = 0.375, mean p(1) = 0.55 → label 1
    expect(hardVote([a, d]).winner).toBe(1);
  });

  it('hard: weights turn it into a weighted majority', () => {
    expect(hardVote([a, vote('b', b.probabilities, 3), c]).winner).toBe(1); // 3 > 1 + 1
  });

  it('soft: mean of probabilities', () => {
    const r = softVote([a, b, c]);
    expect(r.probabilities.map((p) => +p.toFixed(6))).toEqual([0.433333, 0.4, 0.166667]);
    expect(r.winner).toBe(0);
  });

  it('weighted: Σ w·p / Σ w', () => {
    const r = weightedVote([vote('a', a.probabilities, 1), vote('b', b.probabilities, 3)]);
    // label 1: (0.2·1 + 0.6·3)/4 = 0.5; label 0: (0.7 + 0.3)/4 = 0.25
    expect(r.probabilities.map((p) => +p.toFixed(6))).toEqual([0.25, 0.5, 0.25]);
    expect(r.winner).toBe(1);
  });

  it('max-confidence: the most confident member decides', () => {
    const r = maxConfidence([a, b, vote('e', [0.05, 0.05, 0.9])]);
    expect(r.winner).toBe(2);
    expect(r.decidedBy).toBe('e');
  });

  it('no votes → QUORUM_LOST', () => {
    expect(() => combine('soft', [])).toThrow(expect.objectContaining({ code: 'QUORUM_LOST' }));
  });
});
