import { scoreReport } from '../../training/report.ts';
import type { Scores as ClassScores } from '../models/servable.ts';
import type { JobResult, Scores } from './job.ts';

/**
 * The served version's scores on the held-out examples from its own class scores (computed in the same
 * feature pass), when it answers the same classes (as a set); undefined otherwise.
 */
export function servedScores(
  scores: ClassScores | undefined,
  labels: Int32Array,
  classes: string[],
  version: number,
): (Scores & { version: number }) | undefined {
  const s = scores;
  if (!s || s.labels.length !== classes.length || !classes.every((c) => s.labels.includes(c))) return undefined;
  const predictions = Int32Array.from(s.scores, (row) => classes.indexOf(s.labels[row.indexOf(Math.max(...row))]!));
  return { ...scoreReport(predictions, labels, classes), version };
}

/**
 * The publishing gate: the candidate's held-out accuracy (for a distilled student, its top-1 agreement with
 * the teacher) must reach `minAccuracy` and, with `notWorse`, not fall below the served version's on the
 * same examples when that is known.
 */
export function judge(
  candidate: Scores,
  served: Scores | undefined,
  minAccuracy: number,
  notWorse: boolean,
  what = 'held-out accuracy',
): JobResult['gate'] {
  const gate = { minAccuracy, notWorse };
  if (candidate.accuracy < minAccuracy)
    return {
      ...gate,
      passed: false,
      reason: `${what} ${candidate.accuracy.toFixed(3)} is below the bar ${minAccuracy}`,
    };
  if (notWorse && served && candidate.accuracy < served.accuracy) {
    return {
      ...gate,
      passed: false,
      reason: `${what} ${candidate.accuracy.toFixed(3)} is below the served version's ${served.accuracy.toFixed(3)} on the same examples`,
    };
  }
  return { ...gate, passed: true };
}
