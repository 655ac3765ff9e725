import type { LoadSpec, Runtime, RuntimeSession } from '../runtime.ts';
import { GatewayError, invalidInput } from '../../core/errors.ts';
import { checkFeeds } from '../../core/feeds.ts';
import { bytesOf, fromUtf8, type Tensor, type TensorInfo } from '../../core/tensor.ts';

const INPUTS: TensorInfo[] = [{ name: 'text', datatype: 'BYTES', shape: [-1] }];

/** A loaded text classifier: its labels and a function giving label → probability for one text. */
interface TextClassifier {
  labels: readonly string[];
  classify(text: string): Iterable<readonly [label: string, probability: number]>;
  dispose?(): void;
}

/**
 * Wraps a text classifier that is not a tensor model (fastText, CLD3, lande: each its own runtime) in the
 * runtime contract: input `text` BYTES [N] → output `probabilities` FP32 [N, labels], labels on the session.
 * Labels a classifier does not score for a text get 0.
 *
 * @example export const landeRuntime = textClassifierRuntime('lande', async () => ({ labels, classify }));
 */
export function textClassifierRuntime(name: string, load: (spec: LoadSpec) => Promise<TextClassifier>): Runtime {
  return {
    name,
    async load(spec: LoadSpec): Promise<RuntimeSession> {
      let model: TextClassifier;
      try {
        model = await load(spec);
      } catch (e) {
        throw new GatewayError('MODEL_LOAD_FAILED', `${name}: ${(e as Error).message}`, { cause: e });
      }
      const index = new Map(model.labels.map((l, i) => [l, i]));
      const width = model.labels.length;
      let disposed = false;
      return {
        inputs: INPUTS,
        outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, width] }],
        provider: 'wasm',
        labels: model.labels,
        async run(feeds, outputNames) {
          if (disposed) throw new GatewayError('MODEL_NOT_READY', 'the session was disposed');
          checkFeeds(INPUTS, feeds);
          for (const o of outputNames ?? [])
            if (o !== 'probabilities') throw invalidInput(`${name}: unknown output '${o}'`);
          const texts = bytesOf(feeds.text!).map(fromUtf8);
          const out = new Float32Array(texts.length * width);
          texts.forEach((text, r) => {
            for (const [label, p] of model.classify(text)) {
              const i = index.get(label);
              if (i !== undefined) out[r * width + i] = p;
            }
          });
          const probabilities: Tensor = {
            name: 'probabilities',
            datatype: 'FP32',
            shape: [texts.length, width],
            data: out,
          };
          return { probabilities };
        },
        async dispose() {
          if (disposed) return;
          disposed = true;
          model.dispose?.();
        },
      };
    },
  };
}
