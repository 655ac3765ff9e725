import { percentile } from '../../core/percentile.ts';
import { normalise } from '../../gateway/ensembles/labels.ts';

export interface Row {
  model: string;
  accuracy: number;
  recall: Record<string, number>;
  meanMs: number;
  p95Ms: number;
  errors: number;
}

/** Accuracy, per-class recall and latency of one model's predictions against the true labels. */
export function score(
  model: string,
  truth: readonly string[],
  predicted: readonly (string | undefined)[],
  latencies: readonly number[],
): Row {
  const classes = [...new Set(truth.map(normalise))].sort();
  const hits = truth.map((t, i) => predicted[i] !== undefined && normalise(predicted[i]!) === normalise(t));
  const recall = Object.fromEntries(
    classes.map((c) => {
      const idx = truth
        .map((t, i) => [normalise(t), i] as const)
        .filter(([t]) => t === c)
        .map(([, i]) => i);
      return [c, idx.filter((i) => hits[i]).length / idx.length];
    }),
  );
  return {
    model,
    accuracy: hits.filter(Boolean).length / truth.length,
    recall,
    meanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    p95Ms: percentile(latencies, 95),
    errors: predicted.filter((p) => p === undefined).length,
  };
}

/** The side-by-side table the eval command prints. */
export function table(rows: readonly Row[]): string {
  const classes = Object.keys(rows[0]?.recall ?? {});
  const head = ['model', 'accuracy', ...classes.map((c) => `recall ${c}`), 'mean ms', 'p95 ms', 'errors'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    lines.push(
      `| ${[r.model, r.accuracy.toFixed(3), ...classes.map((c) => r.recall[c]!.toFixed(2)), r.meanMs.toFixed(1), r.p95Ms.toFixed(1), String(r.errors)].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
