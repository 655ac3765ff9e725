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

/**
 * `npm run load -- <scenario> [--duration S] [--variant V]`: runs a load scenario against a gateway it
 * starts itself and writes load/results/<scenario>.{json,md,svg}. `--variant` picks the batching
 * scenario's model (`windows`, the default, or `rows`), the `faults` sub-cases (comma list) or the `fuzz`
 * categories left out (comma list).
 */
const SCENARIOS: Record<string, (o: { durationS: number; variant?: string }) => Promise<Report>> = {
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
};

const { positionals, values } = parseArgs({ allowPositionals: true, options: { duration: { type: 'string', default: '10' }, variant: { type: 'string' } } });
const name = positionals[0] ?? '';
const scenario = SCENARIOS[name];
if (!scenario) {
  process.stderr.write(`usage: npm run load -- <${Object.keys(SCENARIOS).join('|')}> [--duration S] [--variant windows|rows|<faults sub-cases>|<fuzz categories to skip>]\n`);
  process.exit(2);
}
writeReport(await scenario({ durationS: Number(values.duration), variant: values.variant }));
process.exit(0);
