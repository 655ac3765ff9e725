import { log } from '../../core/log.ts';
import { scoreReport } from '../../training/report.ts';
import type { TrainResult } from '../../training/types.ts';
import type { Scores as ClassScores } from '../models/servable.ts';
import type { JobRecord, JobResult, Scores } from './job.ts';
import type { JobRegistry } from './jobs.ts';
import { cancelled } from './lifecycle.ts';

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

/** A trained candidate's result before publishing: its scores (and the served version's), the gate, the run. */
export function candidateResult(
  result: TrainResult,
  trial: number | undefined,
  candidate: Scores,
  served: (Scores & { version: number }) | undefined,
  gate: JobResult['gate'],
): JobResult {
  return {
    scores: { candidate, ...(served ? { served } : {}) },
    gate,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    backend: result.backend,
    ...(trial !== undefined ? { trial } : {}),
  };
}

/**
 * After the gate: a candidate it rejected ends the job `rejected` with its result and the reason (false);
 * one it passed may be published unless the job was cancelled meanwhile (CANCELLED is thrown).
 */
export function passes(
  jobs: JobRegistry,
  job: JobRecord,
  outcome: JobResult,
  signal: AbortSignal,
  what: string,
): boolean {
  const gate = outcome.gate;
  if (!gate.passed) {
    jobs.update(job, {
      state: 'rejected',
      result: outcome,
      ...(gate.reason !== undefined ? { error: gate.reason } : {}),
    });
    log.info(`${what} rejected by the gate`, { job: job.id, model: job.model, reason: gate.reason });
    return false;
  }
  if (signal.aborted) throw cancelled();
  return true;
}
