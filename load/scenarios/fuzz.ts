import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startChildGateway } from '../../test/support/fuzz/child.ts';
import { fuzzCases, fuzzContext } from '../../test/support/fuzz/index.ts';
import { runFuzz } from '../../test/support/fuzz/runner.ts';
import { fuzzStore } from '../../test/support/fuzz/store.ts';
import { summary } from '../../test/support/fuzz/summary.ts';
import type { Report } from '../lib/report.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/**
 * Issue 11's fuzz run at full size: `--duration` is ignored; FUZZ_N (default 10,000) malformed requests
 * plus one valid (checked) request per 20, 16 at a time, seed FUZZ_SEED (printed). `--variant a,b`
 * leaves categories out. A crash restarts the gateway after its request is confirmed by a replay.
 */
export async function fuzz(opts: { durationS: number; variant?: string }): Promise<Report> {
  const n = Number(process.env.FUZZ_N ?? 10_000);
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const store = fuzzStore();
  const gw = await startChildGateway({ MODEL_STORE: store, BODY_LIMIT_MB: '2' });
  try {
    const ctx = await fuzzContext();
    const r = await runFuzz(gw, fuzzCases({ seed, n, validEvery: 20, skip: opts.variant?.split(',') }, ctx), {
      concurrency: 16,
      timeoutMs: 20_000,
      readyEvery: 250,
      secrets: [store, ROOT],
      sampleMs: 1000,
      onProgress: (k) => process.stderr.write(`\rfuzz: ${k} sent`),
    });
    process.stderr.write(`\n${summary(r, seed)}`);
    const count = (kind: string) => r.findings.filter((f) => f.kind === kind).reduce((a, f) => a + f.count, 0);
    return {
      scenario: 'fuzz',
      command: `FUZZ_SEED=${seed} FUZZ_N=${n} npm run load -- fuzz${opts.variant ? ` --variant ${opts.variant}` : ''}`,
      rows: Object.entries(r.categories)
        .sort()
        .map(([c, s]) => ({
          label: c,
          throughput: s.sent,
          unit: 'requests',
          note: `${JSON.stringify(s.statuses)}; mean ${(s.totalMs / Math.max(1, s.sent)).toFixed(0)} ms, max ${s.maxMs} ms${s.crashes ? `; ${s.crashes} CRASHES` : ''}`,
        })),
      ratios: {
        'requests sent': r.sent,
        seconds: r.durationMs / 1000,
        'process crashes (target 0)': count('crash'),
        'answers ≥ 500 not allowed (target 0)': count('server-error'),
        'resets and unanswered requests (target 0)': count('reset') + count('timeout') + count('other'),
        'answers leaking a stack or a server path (target 0)': count('leak'),
        'valid requests answered wrongly (target 0)': r.valid.sent - r.valid.correct,
        'readiness checks not ready (target 0)': r.readiness.notReady,
        "statuses other than issue 11's expected ones (target 0)": count('unexpected-status'),
        'RSS start MB': r.rss.startMB,
        'RSS end MB': r.rss.endMB,
        'RSS max MB': r.rss.maxMB,
        'RSS growth MB': r.rss.endMB - r.rss.startMB,
      },
      extra: { seed, statuses: r.statuses, findings: r.findings, rssSamples: r.rss.samples, restarts: r.restarts },
    };
  } finally {
    await gw.stop();
    rmSync(store, { recursive: true, force: true });
  }
}
