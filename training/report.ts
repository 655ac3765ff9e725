import { invalidInput } from '../core/errors.ts';

/** Precision, recall and support of one class. */
interface ClassScore {
  precision: number;
  recall: number;
  support: number;
}

/** Scores of a classifier's predictions on a labelled set. */
interface ScoreReport {
  accuracy: number;
  perClass: Record<string, ClassScore>;
  /** confusion[true][predicted], classes in the order given. */
  confusion: number[][];
}

/**
 * Accuracy, per-class precision/recall/support and the confusion matrix of `predictions` against
 * `labels` (class indices into `classes`). A class never predicted has precision 0; a class with no
 * examples has recall 0. Used by the publishing gate to score the candidate and the served version on
 * the same split.
 *
 * @example
 * scoreReport(Int32Array.of(0, 1, 1), Int32Array.of(0, 1, 0), ['cat', 'dog']).accuracy; // 2/3
 */
export function scoreReport(predictions: Int32Array, labels: Int32Array, classes: string[]): ScoreReport {
  if (predictions.length !== labels.length)
    throw invalidInput(`${predictions.length} predictions for ${labels.length} labels`);
  const k = classes.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    const p = predictions[i]!;
    if (!(t >= 0 && t < k) || !(p >= 0 && p < k))
      throw invalidInput(`class index out of range at ${i} (label ${t}, prediction ${p}, ${k} classes)`);
    confusion[t]![p]!++;
    if (t === p) correct++;
  }
  const perClass: Record<string, ClassScore> = {};
  classes.forEach((name, c) => {
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[c]!, 0);
    const tp = confusion[c]![c]!;
    perClass[name] = { precision: predicted ? tp / predicted : 0, recall: support ? tp / support : 0, support };
  });
  return { accuracy: labels.length ? correct / labels.length : 0, perClass, confusion };
}
