import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { storeWithShippedModel } from '../../test/support/tiny-models.ts';
import { cannon, type CannonResult } from '../lib/cannon.ts';
import { startGateway } from '../lib/processes.ts';
import type { Report, ReportRow } from '../lib/report.ts';

const CONNECTIONS = 32;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function run(
  label: string,
  dir: string,
  bodies: string[],
  durationS: number,
  port: number,
): Promise<CannonResult & { avgBatch: number }> {
  const gw = await startGateway({ MODEL_STORE: dir }, port);
  try {
    const url = `${gw.url}/v1/models/ocr-rec:predict`;
    await cannon({ label: 'warm-up', url, bodies, connections: CONNECTIONS, durationS: 3 });
    /** Rows and batches run so far, from one scrape of /metrics. */
    const batches = async () => {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      const value = (name: string) =>
        Number(new RegExp(`${name}\\{model="ocr-rec",version="1"\\} (\\S+)`).exec(text)?.[1] ?? 0);
      return { rows: value('massgate_inference_batch_size_sum'), count: value('massgate_inference_batch_size_count') };
    };
    const before = await batches();
    const r = await cannon({ label, url, bodies, connections: CONNECTIONS, durationS });
    const after = await batches();
    const avgBatch = (after.rows - before.rows) / (after.count - before.count);
    return { ...r, avgBatch };
  } finally {
    await gw.stop();
  }
}

const row = (r: CannonResult & { avgBatch: number }): ReportRow => ({
  label: r.label,
  throughput: r.reqPerSec,
  unit: 'lines/s',
  p50Ms: r.latencyMs.p50,
  p99Ms: r.latencyMs.p99,
  note: `${r.non2xx} non-2xx, ${r.errors} errors; average batch ${r.avgBatch.toFixed(1)} lines`,
});

/**
 * Ragged batching on a real model: the PaddleOCR recogniser under 32 connections sending one text line each,
 * of 8 widths, (a) with `batching.padding` on the width axis (lines of any width share a batch, padded to
 * the widest) and (b) without (only lines of equal width merge).
 */
export async function padding(opts: { durationS: number }): Promise<Report> {
  const line = readFileSync(join(ROOT, 'test', 'fixtures', 'ocr', 'hello-line.png'));
  const widened = await Promise.all(
    [0, 40, 80, 120, 160, 200, 240, 280].map(async (px) =>
      px ? await sharp(line).extend({ right: px, background: '#ffffff' }).png().toBuffer() : line,
    ),
  );
  const bodies = widened.map((png) => JSON.stringify({ instances: [png.toString('base64')] }));
  const padded = await run(
    '(a) padding on the width axis',
    storeWithShippedModel('ocr-rec', { padding: { axes: [3] } }),
    bodies,
    opts.durationS,
    18111,
  );
  const exact = await run(
    '(b) no padding (equal widths merge)',
    storeWithShippedModel('ocr-rec', {}),
    bodies,
    opts.durationS,
    18112,
  );
  return {
    scenario: 'padding',
    command: `npm run load -- padding --duration ${opts.durationS}`,
    rows: [row(padded), row(exact)],
    ratios: {
      'padding / no padding, lines/s': padded.reqPerSec / exact.reqPerSec,
      'padding / no padding, average batch': padded.avgBatch / exact.avgBatch,
    },
    extra: {
      model: 'PaddleOCR PP-OCRv4 recogniser (models/ocr-rec)',
      widths: `fixture line + 0…280 px`,
      connections: CONNECTIONS,
    },
  };
}
