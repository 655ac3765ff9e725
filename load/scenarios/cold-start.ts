import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { percentile } from '../../core/percentile.ts';
import { startGateway } from '../lib/processes.ts';
import type { Report, ReportRow } from '../lib/report.ts';

const STORE = fileURLToPath(new URL('../../models/', import.meta.url));
const RUNS = 3;
/** Clock ticks per second of /proc's CPU times (USER_HZ). */
const HZ = 100;

interface Start {
  /** Milliseconds from spawning the process to its first 200 on /v2/health/ready. */
  wallMs: number;
  /** CPU seconds of the whole process (every thread, exited ones included) by then. */
  cpuS: number;
  /** Resident memory by then, MiB. */
  rssMB: number;
}

/** CPU seconds and resident MiB of a process, from /proc (Linux; NaN elsewhere). */
function usage(pid: number): { cpuS: number; rssMB: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return { cpuS: (Number(f[11]) + Number(f[12])) / HZ, rssMB: Number(rss) / 1024 };
  } catch {
    return { cpuS: Number.NaN, rssMB: Number.NaN };
  }
}

async function coldStart(env: Record<string, string>, port: number): Promise<Start> {
  const t0 = performance.now();
  const gw = await startGateway({ MODEL_STORE: STORE, STORE_POLL_S: '0', ...env }, port);
  const wallMs = performance.now() - t0;
  const { cpuS, rssMB } = usage(gw.pid);
  await gw.stop();
  return { wallMs, cpuS, rssMB };
}

const median = (xs: number[]) => percentile(xs, 50);

/** A store folder declaring an experiment (not a model: LOAD_MODELS must not name it). */
function isExperiment(name: string): boolean {
  try {
    return 'experiment' in JSON.parse(readFileSync(`${STORE}${name}/config.json`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Cold start of the default store as `npm start` runs it (compiled), `RUNS` times per variant, alternating: the time to
 * readiness (polled every 200 ms), the process's CPU seconds and its resident memory then. Variants: as shipped
 * (`"load": "lazy"` models left for their first request, LOAD_CONCURRENCY's default), one load at a time, and every
 * model loaded at start-up (LOAD_MODELS naming them all: lazy configs ignored) one at a time — how the gateway
 * started before lazy and parallel loading — and at the default concurrency.
 */
export async function coldStartScenario(): Promise<Report> {
  const all = readdirSync(STORE, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .filter((name) => !isExperiment(name));
  const variants: Array<[string, Record<string, string>]> = [
    ['(a) as shipped (lazy models deferred, default concurrency)', {}],
    ['(b) as shipped, LOAD_CONCURRENCY=1', { LOAD_CONCURRENCY: '1' }],
    ['(c) every model at start-up, one at a time (as before)', { LOAD_MODELS: all.join(','), LOAD_CONCURRENCY: '1' }],
    ['(d) every model at start-up, default concurrency', { LOAD_MODELS: all.join(',') }],
  ];
  const starts = variants.map((): Start[] => []);
  for (let run = 0; run < RUNS; run++) {
    for (const [i, [, env]] of variants.entries()) starts[i]!.push(await coldStart(env, 18180 + i));
  }
  const rows: ReportRow[] = variants.map(([label], i) => {
    const s = starts[i]!;
    const wall = s.map((x) => x.wallMs);
    return {
      label,
      throughput: 1000 / median(wall),
      unit: 'starts/s',
      p50Ms: median(wall),
      p99Ms: Math.max(...wall),
      note: `CPU ${median(s.map((x) => x.cpuS)).toFixed(1)} s, RSS ${median(s.map((x) => x.rssMB)).toFixed(0)} MiB at ready (medians of ${RUNS}); the p99 column is the slowest`,
    };
  });
  const m = (i: number, k: keyof Start) => median(starts[i]!.map((x) => x[k]));
  return {
    scenario: 'cold-start',
    command: 'npm run load -- cold-start',
    rows,
    ratios: {
      'time to ready, as shipped / as before (c)': m(0, 'wallMs') / m(2, 'wallMs'),
      'CPU seconds, as shipped / as before (c)': m(0, 'cpuS') / m(2, 'cpuS'),
      'resident memory, as shipped / as before (c)': m(0, 'rssMB') / m(2, 'rssMB'),
      'time to ready, every model: default concurrency (d) / one at a time (c)': m(3, 'wallMs') / m(2, 'wallMs'),
    },
    extra: { starts: Object.fromEntries(variants.map(([label], i) => [label, starts[i]])) },
  };
}
