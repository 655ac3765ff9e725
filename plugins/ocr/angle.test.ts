import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { expect } from 'vitest';
import { readLabels, scanModel } from '../../model-store/scan.ts';
import { onnxRuntime } from '../../runtimes/onnx/index.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { contextFor, pluginConformance } from '../conformance.ts';
import { ocrAngle } from './angle.ts';

/** The shipped direction classifier (models/ocr-cls): PaddleOCR's ch_ppocr_mobile_v2.0_cls, from its npm package. */
const cls = scanModel(fileURLToPath(new URL('../../models', import.meta.url)), 'ocr-cls');
const line = readFileSync(new URL('../../test/fixtures/ocr/hello-line.png', import.meta.url));
const upsideDown = await sharp(line).rotate(180).png().toBuffer();
let session: Promise<RuntimeSession> | undefined;

pluginConformance(ocrAngle, {
  ctx: async () => {
    session ??= onnxRuntime.load({ path: cls.versions[0]!.path });
    return contextFor(await session, {
      params: ocrAngle.params!.parse(cls.config.params ?? {}),
      labels: readLabels(cls),
    });
  },
  validInstances: [line.toString('base64'), { b64: upsideDown.toString('base64') }],
  invalidInstances: [42, 'not an image', { url: 'https://example.com/line.png' }],
  expectPrediction: (p, i) => {
    expect(p).toMatchObject({ angle: [0, 180][i] });
    expect((p as { confidence: number }).confidence).toBeGreaterThan(0.9);
  },
});
