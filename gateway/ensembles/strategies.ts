import { GatewayError } from '../../core/errors.ts';

/** One member's answer for one item: a probability per label of the ensemble's label set. */
export interface MemberVote {
  member: string;
  /** Aligned to the ensemble's labels (same order, same length). */
  probabilities: readonly number[];
  weight: number;
}

interface Combined {
  /** Ensemble probabilities per label (for hard voting: vote shares). */
  probabilities: number[];
  /** Index of the winning label. */
  winner: number;
}

type Strategy = 'hard' | 'soft' | 'weighted' | 'max-confidence' | 'cascade';

const argmax = (v: readonly number[]): number => {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
};

/**
 * Hard (majority) voting: each member votes for its top label with its weight (1 unless configured:
 * plain majority). Tie-break, documented: among tied labels the one with the highest mean probability across
 * the members wins; if those are equal (within 1e-9), the label listed first in the ensemble's labels.
 *
 * @example hardVote([{member:'a', probabilities:[.6,.4], weight:1}, …])
 */
export function hardVote(votes: readonly MemberVote[]): Combined {
  const n = votes[0]!.probabilities.length;
  const tally = new Array<number>(n).fill(0);
  const mean = new Array<number>(n).fill(0);
  for (const v of votes) {
    tally[argmax(v.probabilities)]! += v.weight;
    v.probabilities.forEach((p, i) => {
      mean[i]! += p / votes.length;
    });
  }
  const total = tally.reduce((a, b) => a + b, 0) || 1;
  const top = Math.max(...tally);
  let winner = -1;
  for (let i = 0; i < n; i++) if (tally[i] === top && (winner < 0 || mean[i]! > mean[winner]! + 1e-9)) winner = i;
  return { probabilities: tally.map((t) => t / total), winner };
}

/** Soft voting: the mean of the members' probabilities (weights ignored). */
export function softVote(votes: readonly MemberVote[]): Combined {
  return weightedVote(votes.map((v) => ({ ...v, weight: 1 })));
}

/** Weighted soft voting: Σ wᵢ·pᵢ / Σ wᵢ (weights normalised over the members that answered). */
export function weightedVote(votes: readonly MemberVote[]): Combined {
  const n = votes[0]!.probabilities.length;
  const sum = new Array<number>(n).fill(0);
  const totalWeight = votes.reduce((a, v) => a + v.weight, 0);
  if (!(totalWeight > 0))
    throw new GatewayError('CONFIG_INVALID', 'ensemble weights of the answering members sum to zero');
  for (const v of votes)
    v.probabilities.forEach((p, i) => {
      sum[i]! += (v.weight * p) / totalWeight;
    });
  return { probabilities: sum, winner: argmax(sum) };
}

/** Max-confidence: the single member most confident in its top label decides; its probabilities are returned. */
export function maxConfidence(votes: readonly MemberVote[]): Combined & { decidedBy: string } {
  let best = votes[0]!;
  for (const v of votes) if (Math.max(...v.probabilities) > Math.max(...best.probabilities)) best = v;
  return { probabilities: [...best.probabilities], winner: argmax(best.probabilities), decidedBy: best.member };
}

/** Combines votes by strategy (the cascade's last stage combines by weighted soft voting). */
export function combine(strategy: Strategy, votes: readonly MemberVote[]): Combined & { decidedBy?: string } {
  if (votes.length === 0) throw new GatewayError('QUORUM_LOST', 'no ensemble member answered');
  switch (strategy) {
    case 'hard':
      return hardVote(votes);
    case 'soft':
      return softVote(votes);
    case 'weighted':
      return weightedVote(votes);
    case 'max-confidence':
      return maxConfidence(votes);
    case 'cascade':
      return weightedVote(votes);
  }
}
