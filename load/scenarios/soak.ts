import { Agent } from 'node:http';
import { startChildGateway } from '../../test/support/fuzz/child.ts';
import { fuzzContext } from '../../test/support/fuzz/index.ts';
import { prng } from '../../test/support/fuzz/prng.ts';
import { send } from '../../test/support/fuzz/send.ts';
import { fuzzStore } from '../../test/support/fuzz/store.ts';
import { validCase } from '../../test/support/fuzz/valid.ts';
import type { Report } from '../lib/report.ts';

const RATE = 40;
const SAMPLE_MS = 5000;

/**
 * Steady load for `--duration` seconds (600 for the issue's 10-minute soak): RATE requests/s, open loop,
 * the valid mix of the fuzz (tiny model, lande, image, VAD) with every answer checked; the gateway's
 * resident memory sampled every 5 s. Reports growth in MB and %, from the first sample after a warm-up.
 */
export async function soak(opts: { durationS: number }): Promise<Report> {
  const gw = await startChildGateway({ MODEL_STORE: fuzzStore() });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const base = new URL(gw.url);
  const ctx = await fuzzContext();
  const rng = prng(17);
  const t = { sent: 0, ok: 0, wrong: 0, failed: 0 };
  /** Failed requests by category and error (reset, timeout…), so that a failure can be told apart from load. */
  const failures: Record<string, number> = {};
  const samples: Array<[number, number]> = [];
  const t0 = Date.now();
  const mb = () => Math.round(gw.rss() / 2 ** 20);
  const sampler = setInterval(() => samples.push([Math.round((Date.now() - t0) / 1000), mb()]), SAMPLE_MS);
  const inflight = new Set<Promise<void>>();
  try {
    while (Date.now() - t0 < opts.durationS * 1000) {
      const c = validCase(rng, ctx);
      t.sent++;
      const p = send(base, c, agent, 30_000).then((r) => {
        if (r.error) {
          t.failed++;
          const why = `${c.category}: ${r.error}`;
          failures[why] = (failures[why] ?? 0) + 1;
        } else if (c.check?.(r.status!, r.body)) t.wrong++;
        else t.ok++;
      });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      await new Promise((r) => setTimeout(r, 1000 / RATE));
    }
    await Promise.all(inflight);
  } finally {
    clearInterval(sampler);
    agent.destroy();
  }
  const alive = gw.alive();
  await gw.stop();
  const first = samples.find((s) => s[0] >= 10) ?? samples[0] ?? [0, NaN];
  const last = samples.at(-1) ?? [0, NaN];
  const growth = last[1] - first[1];
  return {
    scenario: 'soak',
    command: `npm run load -- soak --duration ${opts.durationS}`,
    rows: [
      {
        label: `steady ${RATE} req/s for ${opts.durationS} s`,
        throughput: t.ok / opts.durationS,
        unit: 'answered/s',
        note: `${t.sent} sent, ${t.ok} correct, ${t.wrong} wrong, ${t.failed} failed; RSS ${first[1]} → ${last[1]} MB (max ${Math.max(...samples.map((s) => s[1]))} MB); alive at the end: ${alive}${t.failed ? `; failures ${JSON.stringify(failures)}` : ''}`,
      },
    ],
    ratios: {
      'RSS growth MB (from 10 s on)': growth,
      'RSS growth %': (100 * growth) / first[1],
      'wrong or failed (target 0)': t.wrong + t.failed,
    },
    extra: { samples, failures },
  };
}
