import { parseArgs } from 'node:util';
import { writeReport, type Report } from './lib/report.ts';
import { health } from './scenarios/health.ts';
import { batching } from './scenarios/batching.ts';
import { cache } from './scenarios/cache.ts';
import { overload } from './scenarios/overload.ts';
import { padding } from './scenarios/padding.ts';
import { fuzz } from './scenarios/fuzz.ts';
import { faults } from './scenarios/faults.ts';
import { soak } from './scenarios/soak.ts';
import { rollout } from './scenarios/rollout.ts';
import { workerStart } from './scenarios/worker-start.ts';
import { finetune } from './scenarios/finetune.ts';
import { distill } from './scenarios/distill.ts';
import { tracing } from './scenarios/tracing.ts';
import { latency } from './scenarios/latency.ts';
import { coldStartScenario } from './scenarios/cold-start.ts';
import { vadStream } from './scenarios/vad-stream.ts';

/**
 * `npm run load -- <scenario> [--duration S] [--variant V] [--cpu-share F]`: runs a load scenario against a
 * gateway it starts itself and writes load/results/<scenario>.{json,md,svg}. `--variant` picks the batching
 * scenario's model (`windows`, the default, or `rows`; for `tracing`, `rows` is its default), the `faults` sub-cases (comma list) or the `fuzz`
 * categories left out (comma list), or the `vad-stream` model (`vad-silero-v5`, or `vad-ensemble`; its
 * `--duration` is the recording's length, 3600 s by default); `--cpu-share` sets the `finetune` scenario's FINETUNE_CPU_SHARE.
 */
const SCENARIOS: Record<string, (o: { durationS: number; variant?: string; cpuShare?: number }) => Promise<Report>> = {
  health,
  batching,
  cache,
  overload,
  padding,
  fuzz,
  faults,
  soak,
  rollout,
  'worker-start': workerStart,
  finetune,
  distill,
  tracing,
  latency,
  'cold-start': coldStartScenario,
  'vad-stream': vadStream,
};
/** `--duration` when not given: 10 s, or the scenario's own (per phase, for `finetune`). */
const DEFAULT_DURATION_S: Record<string, number> = { finetune: 20, distill: 20, 'vad-stream': 3600 };

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { duration: { type: 'string' }, variant: { type: 'string' }, 'cpu-share': { type: 'string' } },
});
const name = positionals[0] ?? '';
const scenario = SCENARIOS[name];
if (!scenario) {
  process.stderr.write(
    `usage: npm run load -- <${Object.keys(SCENARIOS).join('|')}> [--duration S] [--variant windows|rows|<faults sub-cases>|<fuzz categories to skip>] [--cpu-share 0.05..1]\n`,
  );
  process.exit(2);
}
const cpuShare = values['cpu-share'] !== undefined ? Number(values['cpu-share']) : undefined;
writeReport(
  await scenario({
    durationS: Number(values.duration ?? DEFAULT_DURATION_S[name] ?? 10),
    ...(values.variant !== undefined ? { variant: values.variant } : {}),
    ...(cpuShare !== undefined ? { cpuShare } : {}),
  }),
);
process.exit(0);
