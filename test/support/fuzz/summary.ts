import type { FuzzResult } from './runner.ts';

/** A plain-text report of a fuzz run: totals, per-category status counts, findings. */
export function summary(r: FuzzResult, seed: number): string {
  const lines = [
    `fuzz seed ${seed}: ${r.sent} requests in ${(r.durationMs / 1000).toFixed(1)} s, statuses ${JSON.stringify(r.statuses)}`,
    `valid: ${r.valid.correct}/${r.valid.sent} correct; readiness: ${r.readiness.notReady}/${r.readiness.checks} checks not ready${r.readiness.firstLostAt !== undefined ? ` (first after request ${r.readiness.firstLostAt})` : ''}; restarts after crashes: ${r.restarts}`,
    `RSS: ${r.rss.startMB} MB → ${r.rss.endMB} MB (max ${r.rss.maxMB} MB, growth ${r.rss.endMB - r.rss.startMB} MB)`,
    '',
    'category                         sent  mean ms   max ms  statuses',
    ...Object.entries(r.categories)
      .sort()
      .map(
        ([c, s]) =>
          `${c.padEnd(32)} ${String(s.sent).padStart(5)} ${(s.totalMs / Math.max(1, s.sent)).toFixed(0).padStart(8)} ${String(s.maxMs).padStart(8)}  ${JSON.stringify(s.statuses)}${s.crashes ? `  CRASHES ${s.crashes}` : ''}`,
      ),
    '',
    `findings (${r.findings.length} distinct):`,
    ...r.findings.map(
      (f) => `  [${f.kind}] ${f.count}× ${f.category} — ${f.label} — ${f.detail.replace(/\s+/g, ' ').slice(0, 160)}`,
    ),
    '',
  ];
  return lines.join('\n');
}
