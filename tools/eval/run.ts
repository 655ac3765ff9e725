import { parseArgs } from 'node:util';
import { loadConfig } from '../../gateway/config.ts';
import { createGateway } from '../../gateway/app.ts';
import { memberSpecs } from '../../gateway/ensembles/ensemble-model.ts';
import type { Servable } from '../../gateway/models/servable.ts';
import { readModelConfig } from '../../model-store/scan.ts';
import { join } from 'node:path';
import { readDataset, type Sample } from './dataset.ts';
import { score, table, type Row } from './metrics.ts';

/**
 * `npm run eval -- --model <ensemble> --data <dir> [--store <dir>]`: accuracy, per-class recall and
 * latency of an ensemble and of each of its members, side by side, on a labelled set laid out as
 * `<dir>/<label>/<file>`. Runs the models in-process (no HTTP), one sample at a time.
 */
const { values } = parseArgs({
  options: { model: { type: 'string' }, data: { type: 'string' }, store: { type: 'string' } },
});
if (!values.model || !values.data) {
  process.stderr.write(
    'usage: npm run eval -- --model <name> --data <dir of <label>/<file>> [--store <model store>]\n',
  );
  process.exit(2);
}
const config = loadConfig({
  ...process.env,
  LOG_LEVEL: 'warn',
  ...(values.store ? { MODEL_STORE: values.store } : {}),
});
const modelConfig = readModelConfig(values.model, join(config.modelStore, values.model));
const members = modelConfig.ensemble ? memberSpecs(modelConfig.ensemble) : [];
const names = [...members.map((m) => m.model), values.model];
const gateway = await createGateway(
  loadConfig({ ...process.env, LOG_LEVEL: 'warn', MODEL_STORE: config.modelStore, LOAD_MODELS: names.join(',') }),
);
await gateway.start();

const samples = readDataset(values.data);

/** What a sample becomes as an instance: text for text models, base64 for the rest. */
function instance(model: Servable, s: Sample): unknown {
  const modality = (model.describe().modality as string | undefined) ?? '';
  return modality === 'text' ? s.bytes.toString('utf8').trim() : s.bytes.toString('base64');
}

async function evaluate(model: Servable, labelMap?: Readonly<Record<string, string | null>>): Promise<Row> {
  const predicted: (string | undefined)[] = [];
  const latencies: number[] = [];
  for (const s of samples) {
    const t0 = performance.now();
    try {
      const { labels, scores } = await model.scoreInstances([instance(model, s)]);
      latencies.push(performance.now() - t0);
      const row = scores[0]!;
      const top = labels[row.indexOf(Math.max(...row))]!;
      predicted.push(labelMap && Object.hasOwn(labelMap, top) ? (labelMap[top] ?? undefined) : top);
    } catch (e) {
      predicted.push(undefined);
      process.stderr.write(`${model.name}: ${s.file}: ${(e as Error).message}\n`);
    }
  }
  return score(
    model.name,
    samples.map((s) => s.label),
    predicted,
    latencies,
  );
}

const ensemble = gateway.repository.get(values.model);
// The ensemble resolves members through the repository; their first call pays any lazy start-up.
const rows: Row[] = [];
for (const m of members) rows.push(await evaluate(gateway.repository.get(m.model, m.version), m.labelMap));
rows.push(await evaluate(ensemble));
process.stdout.write(
  `\n${samples.length} samples, ${new Set(samples.map((s) => s.label)).size} classes, from ${values.data}\n\n${table(rows)}\n`,
);
await gateway.close();
process.exit(0);
