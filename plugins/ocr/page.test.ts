import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { readLabels, scanModel } from '../../model-store/scan.ts';
import { onnxRuntime } from '../../runtimes/onnx/index.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { companionFor, contextFor, pluginConformance } from '../conformance.ts';
import { ocrPage } from './page.ts';
import { ocrRecognizer } from './recognizer.ts';

/** The shipped page OCR (models/ocr: PaddleOCR's DB detector) and the recogniser it names (models/ocr-rec). */
const store = fileURLToPath(new URL('../../models', import.meta.url));
const [page, rec] = [scanModel(store, 'ocr'), scanModel(store, 'ocr-rec')];
const fixture = (f: string) => readFileSync(new URL(`../../test/fixtures/${f}`, import.meta.url));
let sessions: Promise<[RuntimeSession, RuntimeSession]> | undefined;

pluginConformance(ocrPage, {
  ctx: async () => {
    sessions ??= Promise.all([
      onnxRuntime.load({ path: page.versions[0]!.path }),
      onnxRuntime.load({ path: rec.versions[0]!.path }),
    ]);
    const [detector, recognizer] = await sessions;
    const params = ocrPage.params!.parse(page.config.params ?? {});
    const recParams = ocrRecognizer.params!.parse(rec.config.params ?? {});
    return contextFor(detector, {
      params,
      models: {
        [params.recognizer]: companionFor(recognizer, {
          labels: readLabels(rec),
          plugin: ocrRecognizer as never,
          params: recParams,
        }),
      },
    });
  },
  // One page: preprocess returns the detector feeds of the first page only (pages differ in size and are
  // detected one at a time in predict), so two pages would break the suite's one-row-per-item rule.
  validInstances: [fixture('ocr/page.png').toString('base64')],
  invalidInstances: [42, 'not an image', { image: 7 }, fixture('images/truncated.jpg').toString('base64')],
  expectPrediction: (p, i) => {
    if (i === 0) expect((p as { text: string }).text).toBe('Massgate serves models\nover plain HTTP\nsince 2026');
  },
});
