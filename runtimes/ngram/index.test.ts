import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { utf8, type Tensor } from '../../core/tensor.ts';
import { tempStore } from '../../test/support/tiny-models.ts';
import { runtimeConformance } from '../conformance.ts';
import { loadInWorker } from '../worker/index.ts';
import { ngramFeatures, NgramSpecSchema } from './features.ts';
import { ngramRuntime } from './index.ts';

const dir = tempStore();
const path = join(dir, 'model.json');
writeFileSync(path, JSON.stringify({ format: 'char-ngram', orders: [1, 2, 3], buckets: 512 }));
const texts = ['The weather is lovely today.', 'Le temps est magnifique.', 'Das Wetter ist herrlich.'];
const feeds = (b: number): Record<string, Tensor> => ({
  text: { name: 'text', datatype: 'BYTES', shape: [b], data: texts.slice(0, b).map(utf8) },
});

runtimeConformance('ngram (character n-gram features)', { load: () => ngramRuntime.load({ path }), feeds });
runtimeConformance('ngram in a worker thread', {
  load: () => loadInWorker({ runtime: 'ngram', spec: { path } }),
  feeds,
});

describe('character n-gram features', () => {
  const spec = NgramSpecSchema.parse({ format: 'char-ngram', buckets: 1024 });
  const of = (text: string) => {
    const v = new Float32Array(1024);
    ngramFeatures(text, spec, v, 0);
    return v;
  };
  const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

  it('is a unit vector, the same for case and spacing variants, closer within a language than across', () => {
    const en = of('the house is on the hill');
    expect(cosine(en, en)).toBeCloseTo(1, 5);
    expect(of('The  HOUSE is on the hill')).toEqual(en);
    const en2 = of('the horse is in the house');
    const de = of('das Haus steht auf dem Hügel');
    expect(cosine(en, en2)).toBeGreaterThan(cosine(en, de));
  });

  it('reads at most maxChars code points of a text', () => {
    const short = NgramSpecSchema.parse({ format: 'char-ngram', buckets: 64, maxChars: 16 });
    const a = new Float32Array(64);
    const b = new Float32Array(64);
    ngramFeatures('a'.repeat(20), short, a, 0);
    ngramFeatures('a'.repeat(20000), short, b, 0);
    expect(b).toEqual(a);
  });

  it('refuses a spec that is not one (MODEL_LOAD_FAILED)', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'char-ngram', buckets: 3 }));
    await expect(ngramRuntime.load({ path: bad })).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
  });
});
