import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { tfjsRuntime } from '../../runtimes/tfjs/index.ts';
import { packageDir } from '../../core/package-dir.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { contextFor, pluginConformance } from '../conformance.ts';
import { imageClassifier } from './classifier.ts';

const fixture = (f: string) => readFileSync(new URL(`../../test/fixtures/images/${f}`, import.meta.url));
let session: Promise<RuntimeSession> | undefined;
const labels = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];

pluginConformance(imageClassifier, {
  ctx: async () => {
    session ??= tfjsRuntime.load({ path: `${packageDir('nsfwjs')}/dist/models/mobilenet_v2`, format: 'tfjs-minjs' });
    return contextFor(await session, { params: imageClassifier.params!.parse({}), labels });
  },
  validInstances: [
    fixture('chelsea.jpg').toString('base64'),
    { b64: fixture('coffee.png').toString('base64') },
    fixture('chelsea-cmyk.jpg'),
  ],
  invalidInstances: [
    42,
    'not an image',
    fixture('truncated.jpg').toString('base64'),
    { url: 'https://example.com/cat.jpg' },
  ],
  expectPrediction: (p) => expect(p).toMatchObject({ label: 'Neutral' }),
});
