/** One ranked class. */
interface Ranked {
  label: string;
  score: number;
}

/**
 * Classes ranked by score, best first, cut to `k`.
 * @example topK([0.1, 0.7, 0.2], ['a', 'b', 'c'], 2) // [{label:'b',score:0.7},{label:'c',score:0.2}]
 */
export function topK(scores: ArrayLike<number>, labels: readonly string[], k = scores.length): Ranked[] {
  return Array.from(scores, (score, i) => ({ label: labels[i] ?? String(i), score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, Math.max(1, k));
}

/** Softmax of a row, unless it already sums to 1 (±1e-3) with no negative entries. */
export function asProbabilities(row: ArrayLike<number>): number[] {
  const values = Array.from(row);
  const sum = values.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) < 1e-3 && values.every((v) => v >= 0)) return values;
  const max = Math.max(...values);
  const exp = values.map((v) => Math.exp(v - max));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / total);
}

/** The `top_k` request parameter, or the default. */
export function topKParam(options: Record<string, unknown>, fallback: number): number {
  const k = options.top_k;
  return typeof k === 'number' && Number.isInteger(k) && k > 0 ? k : fallback;
}

/**
 * One prediction per row: the top label (null when every score is 0: the model has no opinion), its
 * score and the top k.
 */
export function predictions(scores: readonly ArrayLike<number>[], labels: readonly string[], k: number) {
  return scores.map((row) => {
    const ranked = topK(row, labels, k);
    return { label: ranked[0]!.score > 0 ? ranked[0]!.label : null, score: ranked[0]!.score, top_k: ranked };
  });
}

/** An abstaining answer: `label` (e.g. BCP-47 'und', undetermined) when the top score is below `below`. */
export interface Unknown {
  label: string;
  below: number;
}

/**
 * A prediction that abstains when its top score is below `unknown.below`: the label becomes `unknown.label`,
 * the score stays the best guess's (how unsure it was), `top_k` keeps the guesses that scored above 0.
 * Without `unknown`, the prediction as it is.
 *
 * @example undetermined({ label: 'ko', score: 0.12, top_k: [...] }, { label: 'und', below: 0.25 }) // label 'und'
 */
export function undetermined<
  T extends { label: string | null | undefined; score: number | undefined; top_k: Ranked[] },
>(p: T, unknown: Unknown | undefined): T | (Omit<T, 'label'> & { label: string }) {
  if (!unknown || (p.score ?? 0) >= unknown.below) return p;
  return { ...p, label: unknown.label, score: p.score ?? 0, top_k: p.top_k.filter((r) => r.score > 0) };
}
