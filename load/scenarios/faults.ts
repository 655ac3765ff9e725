import type { Report, ReportRow } from '../lib/report.ts';
import { lost, type Tally } from '../lib/drive.ts';
import { corruptReload } from './faults/corrupt.ts';
import { slowMember } from './faults/ensemble.ts';
import { redisKilled } from './faults/redis.ts';
import { sigterm } from './faults/sigterm.ts';
import { slowClients } from './faults/slow-clients.ts';

const CASES = {
  redis: redisKilled,
  corrupt: corruptReload,
  ensemble: slowMember,
  sigterm,
  'slow-clients': slowClients,
};

/**
 * Issue 11's fault injection, one sub-case after another, each on its own gateway process for
 * `durationS`: Redis killed, a model file corrupted before a reload, a slow ensemble member, SIGTERM
 * under load, 200 slow clients. For each: requests sent, answered, lost (target 0 lost).
 * `--variant a,b` runs only the named sub-cases.
 */
export async function faults(opts: { durationS: number; variant?: string }): Promise<Report> {
  const names = (opts.variant?.split(',') ?? Object.keys(CASES)) as Array<keyof typeof CASES>;
  const rows: ReportRow[] = [];
  const ratios: Record<string, number> = {};
  const extra: Record<string, unknown> = {};
  for (const name of names) {
    const r: { label: string; tally: Tally; note: string; slow?: { noAnswer: number } } = await CASES[name](
      opts.durationS,
    );
    process.stderr.write(`faults/${name}: ${r.note}\n`);
    rows.push({ label: r.label, throughput: r.tally.ok / opts.durationS, unit: 'answered/s', note: r.note });
    ratios[`${name}: requests lost (target 0)`] = lost(r.tally);
    ratios[`${name}: wrong answers or unexpected statuses (target 0)`] = r.tally.wrong;
    if (r.slow) ratios[`${name}: slow clients without an answer (target 0)`] = r.slow.noAnswer;
    extra[name] = r;
  }
  return {
    scenario: 'faults',
    command: `npm run load -- faults --duration ${opts.durationS}${opts.variant ? ` --variant ${opts.variant}` : ''}`,
    rows,
    ratios,
    extra,
  };
}
