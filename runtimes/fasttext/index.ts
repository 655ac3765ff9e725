import { readFileSync } from 'node:fs';
import { textClassifierRuntime } from '../text/classifier-runtime.ts';

let files = 0;

/**
 * fastText (supervised models such as lid.176) on fasttext.wasm.js's WebAssembly build. `spec.path` is
 * the .ftz/.bin file; labels are the model's own, without the `__label__` prefix.
 */
export const fasttextRuntime = textClassifierRuntime('fasttext', async (spec) => {
  const { getFastTextModule, FastTextModel } = await import('fasttext.wasm.js');
  const mod = await getFastTextModule();
  const native = new mod.FastText();
  const file = `/model-${files++}.bin`;
  mod.FS.writeFile(file, new Uint8Array(readFileSync(spec.path)));
  native.loadModel(file);
  mod.FS.unlink(file);
  const model = new FastTextModel(native, mod);
  const raw = model.getLabels()[0];
  const labels = Array.from({ length: raw.size() }, (_, i) => String(raw.get(i)).replace(/^__label__/, ''));
  return {
    labels,
    *classify(text: string) {
      // fastText reads one line; newlines would end the text early.
      const pairs = model.predict(text.replace(/[\r\n]+/g, ' '), -1, 0);
      for (let i = 0; i < pairs.size(); i++) {
        const [p, label] = pairs.get(i) as unknown as [number, string];
        yield [label.replace(/^__label__/, ''), p] as const;
      }
    },
  };
});
