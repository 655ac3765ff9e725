import { readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createGateway } from '../../gateway/app.ts';
import { loadConfig } from '../../gateway/config.ts';
import { charAccuracy, PAGE_LINES, renderPage } from '../../test/support/ocr-pages.ts';

/**
 * `node --import tsx tools/eval/ocr-tilt.ts [--store <dir>]`: character accuracy of the page OCR (`ocr`)
 * on pages rendered here with known text (test/support/ocr-pages.ts), straight, tilted as scans are, and
 * with lines upside down, in three fonts; prints a Markdown table. Runs the store's `ocr*` models
 * in-process (no HTTP), so the same command measures a tree before and after a change.
 */
const { values } = parseArgs({ options: { store: { type: 'string' } } });
const base = loadConfig({ ...process.env, LOG_LEVEL: 'warn', ...(values.store ? { MODEL_STORE: values.store } : {}) });
const models = readdirSync(base.modelStore).filter((m) => m === 'ocr' || m.startsWith('ocr-'));
const gateway = await createGateway(
  loadConfig({ ...process.env, LOG_LEVEL: 'warn', MODEL_STORE: base.modelStore, LOAD_MODELS: models.join(',') }),
);
await gateway.start();
const ocr = gateway.repository.get('ocr');

const CASES: Array<[name: string, options: { angle?: number; upsideDown?: number[] }]> = [
  ['straight', {}],
  ['−2°', { angle: -2 }],
  ['+2°', { angle: 2 }],
  ['−5°', { angle: -5 }],
  ['+5°', { angle: 5 }],
  ['one line at 180°', { upsideDown: [3] }],
  ['+5°, one line at 180°', { angle: 5, upsideDown: [3] }],
  ['−10°', { angle: -10 }],
  ['+10°', { angle: 10 }],
  ['whole page at 180°', { angle: 180 }],
];
const FONTS = ['DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono'];
const truth = PAGE_LINES.join('\n');

const rows: string[] = [];
for (const [name, options] of CASES) {
  const scores: number[] = [];
  const lines: number[] = [];
  for (const font of FONTS) {
    const png = await renderPage({ ...options, font });
    const [page] = (await ocr.predict([{ b64: png.toString('base64') }], {})) as Array<{
      text: string;
      lines: unknown[];
    }>;
    scores.push(charAccuracy(page!.text, truth));
    lines.push(page!.lines.length);
  }
  const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  rows.push(`| ${name} | ${scores.map(pct).join(' | ')} | **${pct(mean)}** | ${lines.join(' / ')} |`);
}
process.stdout.write(
  [
    `\nPage OCR character accuracy (1 − edit distance / length) against the ${PAGE_LINES.length} rendered lines; models: ${models.join(', ')}\n`,
    `| page | ${FONTS.join(' | ')} | mean | lines found |`,
    `| ---- | ${FONTS.map(() => '---:').join(' | ')} | ---: | ---: |`,
    ...rows,
    '',
  ].join('\n'),
);
await gateway.close();
process.exit(0);
