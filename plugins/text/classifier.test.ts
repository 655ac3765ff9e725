import { describe, expect, it } from 'vitest';
import { packageDir } from '../../core/package-dir.ts';
import { fasttextRuntime } from '../../runtimes/fasttext/index.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { contextFor, pluginConformance } from '../conformance.ts';
import { textClassifier } from './classifier.ts';

const lid = `${packageDir('fasttext.wasm.js')}/dist/models/language-identification/assets/lid.176.ftz`;
let session: Promise<RuntimeSession> | undefined;
const fasttext = () => (session ??= fasttextRuntime.load({ path: lid }));

pluginConformance(textClassifier, {
  ctx: async () => contextFor(await fasttext(), { params: textClassifier.params!.parse({ maxLength: 200 }) }),
  validInstances: [
    'The weather is lovely today and we are going for a long walk.',
    { text: "Le temps est magnifique aujourd'hui." },
  ],
  invalidInstances: [42, '', '   ', { text: 7 }, { words: 'hello' }, null, 'x'.repeat(201)],
  expectPrediction: (p, i) => expect(p).toMatchObject({ label: ['en', 'fr'][i] }),
});

describe('text classification with an unknown answer (fastText lid.176)', () => {
  const answer = async (texts: string[], unknown?: { below: number }) => {
    const ctx = contextFor(await fasttext(), { params: textClassifier.params!.parse(unknown ? { unknown } : {}) });
    const items = texts.map((t) => textClassifier.parseInstance(t, ctx) as string);
    const outputs = await ctx.run(await textClassifier.preprocess(items, ctx));
    return {
      predictions: textClassifier.postprocess(outputs, ctx, items, {}) as Array<{ label: string; score: number }>,
      scores: textClassifier.scores!(outputs, ctx, items).scores,
    };
  };

  it("answers 'und' for a text without letters, whose scores are then all 0 (no opinion for an ensemble)", async () => {
    const texts = ['😀😂🎉', '12345', '3.14 + 2.72 = 5.86', '!!! ??? ...'];
    const { predictions, scores } = await answer(texts, { below: 0.25 });
    expect(predictions.map((p) => p.label)).toEqual(['und', 'und', 'und', 'und']);
    for (const row of scores) expect(Math.max(...row)).toBe(0);
    // Without the setting, fastText guesses a language for them.
    expect((await answer(texts)).predictions.map((p) => p.label)).not.toContain('und');
  });

  it("answers 'und' below the threshold, a language above it", async () => {
    const { predictions } = await answer(['Hi', 'The weather is lovely today and we are going for a long walk.'], {
      below: 0.25,
    });
    expect(predictions[0]).toMatchObject({ label: 'und' });
    expect(predictions[0]!.score).toBeLessThan(0.25); // the best guess, too unsure to stand
    expect(predictions[1]).toMatchObject({ label: 'en' });
  });
});
