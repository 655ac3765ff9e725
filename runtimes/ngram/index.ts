import { readFileSync } from 'node:fs';
import { GatewayError, invalidInput } from '../../core/errors.ts';
import { checkFeeds } from '../../core/feeds.ts';
import { issuesText } from '../../core/issues.ts';
import { bytesOf, fromUtf8, type TensorInfo } from '../../core/tensor.ts';
import type { LoadSpec, Runtime, RuntimeSession } from '../runtime.ts';
import { ngramFeatures, NgramSpecSchema, type NgramSpec } from './features.ts';

/** The one output: the n-gram features of each text. */
export const NGRAM_OUTPUT = 'ngrams';

const INPUTS: TensorInfo[] = [{ name: 'text', datatype: 'BYTES', shape: [-1] }];

/** Reads and checks an n-gram spec file; MODEL_LOAD_FAILED naming the problem. */
export function readNgramSpec(path: string): NgramSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new GatewayError('MODEL_LOAD_FAILED', `ngram: ${(e as Error).message}`, { cause: e });
  }
  const parsed = NgramSpecSchema.safeParse(raw);
  if (!parsed.success) throw new GatewayError('MODEL_LOAD_FAILED', `ngram: ${issuesText(parsed.error)}`);
  return parsed.data;
}

/**
 * Character n-gram features of texts (runtimes/ngram/features.ts), as a runtime: input `text` BYTES [N] →
 * output `ngrams` FP32 [N, buckets]. It has no weights and no labels of its own: it is the frozen base of a
 * small text classifier whose trained head (a TensorFlow.js layers model, runtimes/head) reads `ngrams` —
 * what a distilled language-ID student is. `spec.path` is the spec file (the version's `model.json`).
 *
 * @example
 * const s = await ngramRuntime.load({ path: 'store/lang-ngram/1/model.json' });
 * (await s.run({ text: tensor('text', 'BYTES', [1], [utf8('Bonjour')]) })).ngrams.shape; // [1, 4096]
 */
export const ngramRuntime: Runtime = {
  name: 'ngram',
  async load(spec: LoadSpec): Promise<RuntimeSession> {
    const ngram = readNgramSpec(spec.path);
    let disposed = false;
    return {
      inputs: INPUTS,
      outputs: [{ name: NGRAM_OUTPUT, datatype: 'FP32', shape: [-1, ngram.buckets] }],
      provider: 'cpu',
      async run(feeds, outputNames) {
        if (disposed) throw new GatewayError('MODEL_NOT_READY', 'the session was disposed');
        checkFeeds(INPUTS, feeds);
        for (const o of outputNames ?? []) if (o !== NGRAM_OUTPUT) throw invalidInput(`ngram: unknown output '${o}'`);
        const texts = bytesOf(feeds.text!).map(fromUtf8);
        const data = new Float32Array(texts.length * ngram.buckets);
        for (const [r, t] of texts.entries()) ngramFeatures(t, ngram, data, r * ngram.buckets);
        return { [NGRAM_OUTPUT]: { name: NGRAM_OUTPUT, datatype: 'FP32', shape: [texts.length, ngram.buckets], data } };
      },
      async dispose() {
        disposed = true;
      },
    };
  },
};
