import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { readLabels, scanModel } from '../../model-store/scan.ts';
import { onnxRuntime } from '../../runtimes/onnx/index.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { companionFor, contextFor, pluginConformance } from '../conformance.ts';
import { ocrAngle } from './angle.ts';
import { ocrPage } from './page.ts';
import { ocrRecognizer } from './recognizer.ts';

/**
 * The shipped page OCR (models/ocr: PaddleOCR's DB detector) and the recogniser and direction
 * classifier it names (models/ocr-rec, models/ocr-cls).
 */
const store = fileURLToPath(new URL('../../models', import.meta.url));
const [page, rec, cls] = [scanModel(store, 'ocr'), scanModel(store, 'ocr-rec'), scanModel(store, 'ocr-cls')];
const fixture = (f: string) => readFileSync(new URL(`../../test/fixtures/${f}`, import.meta.url));
let sessions: Promise<RuntimeSession[]> | undefined;

pluginConformance(ocrPage, {
  ctx: async () => {
    sessions ??= Promise.all([page, rec, cls].map((m) => onnxRuntime.load({ path: m.versions[0]!.path })));
    const [detector, recognizer, classifier] = (await sessions) as [RuntimeSession, RuntimeSession, RuntimeSession];
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
        [params.classifier!]: companionFor(classifier, {
          labels: readLabels(cls),
          plugin: ocrAngle as never,
          params: ocrAngle.params!.parse(cls.config.params ?? {}),
        }),
      },
    });
  },
  // One page: preprocess returns the detector feeds of the first page only (pages differ in size and are
  // detected one at a time in predict), so two pages would break the suite's one-row-per-item rule.
  validInstances: [fixture('ocr/page.png').toString('base64')],
  invalidInstances: [42, 'not an image', { image: 7 }, fixture('images/truncated.jpg').toString('base64')],
  expectPrediction: (p, i) => {
    if (i !== 0) return;
    const page = p as { text: string; lines: Array<{ box: number[]; points: number[][] }> };
    expect(page.text).toBe('Massgate serves models\nover plain HTTP\nsince 2026');
    for (const l of page.lines) {
      expect(l.points).toHaveLength(4);
      // The box bounds the four corners.
      expect(l.box).toEqual([0, 1, 0, 1].map((k, i) => (i < 2 ? Math.min : Math.max)(...l.points.map((q) => q[k]!))));
    }
  },
});
