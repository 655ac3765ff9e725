import { expect } from 'vitest';
import { packageDir } from '../../core/package-dir.ts';
import { fasttextRuntime } from '../../runtimes/fasttext/index.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { contextFor, pluginConformance } from '../conformance.ts';
import { textClassifier } from './classifier.ts';

const lid = `${packageDir('fasttext.wasm.js')}/dist/models/language-identification/assets/lid.176.ftz`;
let session: Promise<RuntimeSession> | undefined;

pluginConformance(textClassifier, {
  ctx: async () => {
    session ??= fasttextRuntime.load({ path: lid });
    return contextFor(await session, { params: textClassifier.params!.parse({ maxLength: 200 }) });
  },
  validInstances: [
    'The weather is lovely today and we are going for a long walk.',
    { text: "Le temps est magnifique aujourd'hui." },
  ],
  invalidInstances: [42, '', '   ', { text: 7 }, { words: 'hello' }, null, 'x'.repeat(201)],
  expectPrediction: (p, i) => expect(p).toMatchObject({ label: ['en', 'fr'][i] }),
});
