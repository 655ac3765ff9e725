import type { Job } from './api.ts';

const f3 = (x: number) => x.toFixed(3);

/** Rows as left-aligned columns, two spaces apart. */
function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/**
 * The final scores of a job as text: its state, the candidate's and the served version's held-out accuracy,
 * precision and recall per class, the gate's verdict (and reason), the version published and its deploy, and
 * where the report and curves are in the store.
 *
 * @example
 * process.stdout.write(summary(job));
 */
export function summary(job: Job): string {
  const out: string[] = [`job ${job.id}: ${job.state} (${job.model}, fine-tuned from version ${job.baseVersion})`];
  const r = job.result;
  if (r) {
    const served = r.scores.served
      ? `, served version ${r.scores.served.version} ${f3(r.scores.served.accuracy)}`
      : ' (the served version has other labels: not compared)';
    out.push(`held-out accuracy: candidate ${f3(r.scores.candidate.accuracy)}${served}`);
    const perClass = r.scores.candidate.perClass;
    if (perClass && Object.keys(perClass).length) {
      out.push(
        '',
        columns([
          ['class', 'precision', 'recall', 'support'],
          ...Object.entries(perClass).map(([c, s]) => [c, f3(s.precision), f3(s.recall), String(s.support)]),
        ]),
        '',
      );
    }
    if (r.bestEpoch !== undefined)
      out.push(
        `best epoch: ${r.bestEpoch}${r.stoppedEarly ? ' (stopped early)' : ''}${r.backend ? `, backend ${r.backend}` : ''}`,
      );
    const bar = `accuracy >= ${r.gate.minAccuracy}${r.gate.notWorse && r.scores.served ? `, not worse than version ${r.scores.served.version}` : ''}`;
    out.push(
      `gate: ${r.gate.passed ? 'passed' : 'rejected'} (${bar})${!r.gate.passed && r.gate.reason ? `: ${r.gate.reason}` : ''}`,
    );
    if (r.version !== undefined) {
      const d = r.deploy;
      const how =
        !d || d.mode === 'none'
          ? 'deploy none (serves only when asked for by version)'
          : d.mode === 'replace'
            ? `deploy replace (now the default version${d.previousDefault !== undefined ? `, was ${d.previousDefault}` : ''})`
            : `deploy ${d.mode}${d.weight !== undefined && d.mode === 'canary' ? ` ${d.weight}%` : ''}${d.experiment ? ` (experiment '${d.experiment}')` : ''}`;
      out.push(`published: version ${r.version}, ${how}`);
      out.push(
        `report: ${job.model}/${r.version}/report.json, curves: ${job.model}/${r.version}/curves.svg (in the model store)`,
      );
    }
  }
  if (job.error && !(r && !r.gate.passed && job.error === r.gate.reason)) out.push(`error: ${job.error}`);
  return `${out.join('\n')}\n`;
}

/** The CLI's exit code for a finished job: 0 succeeded, 3 rejected, 1 otherwise. */
export function exitCode(state: string): number {
  return state === 'succeeded' ? 0 : state === 'rejected' ? 3 : 1;
}
