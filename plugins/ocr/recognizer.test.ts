import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { readLabels, scanModel } from '../../model-store/scan.ts';
import { onnxRuntime } from '../../runtimes/onnx/index.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { contextFor, pluginConformance } from '../conformance.ts';
import { ocrRecognizer } from './recognizer.ts';

/** The shipped recogniser (models/ocr-rec): PaddleOCR PP-OCRv4 and its keys file, from their npm package. */
const rec = scanModel(fileURLToPath(new URL('../../models', import.meta.url)), 'ocr-rec');
const fixture = (f: string) => readFileSync(new URL(`../../test/fixtures/${f}`, import.meta.url));
let session: Promise<RuntimeSession> | undefined;

pluginConformance(ocrRecognizer, {
  ctx: async () => {
    session ??= onnxRuntime.load({ path: rec.versions[0]!.path });
    return contextFor(await session, {
      params: ocrRecognizer.params!.parse(rec.config.params ?? {}),
      labels: readLabels(rec),
    });
  },
  validInstances: [
    fixture('ocr/hello-line.png').toString('base64'),
    { b64: fixture('ocr/hello-line.png').toString('base64') },
    fixture('images/coffee.png'),
  ],
  invalidInstances: [
    42,
    'not an image',
    { url: 'https://example.com/line.png' },
    fixture('images/truncated.jpg').toString('base64'),
  ],
  expectPrediction: (p, i) => i < 2 && expect(p).toMatchObject({ text: 'Hello World 2024' }),
});
