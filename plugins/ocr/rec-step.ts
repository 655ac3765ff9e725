import { fromUtf8, utf8, type Tensor } from '../../core/tensor.ts';
import { defineWorkerStep } from '../../runtimes/worker/step.ts';
import { ctcDecode } from './ctc.ts';

/** Recogniser step outputs → one `{text, confidence}` per line. */
export function linesOf(outputs: Record<string, Tensor>): Array<{ text: string; confidence: number }> {
  const confidence = outputs.confidence!.data as Float64Array;
  return (outputs.text!.data as Uint8Array[]).map((t, i) => ({ text: fromUtf8(t), confidence: confidence[i]! }));
}

/**
 * PaddleOCR's recogniser and its CTC decoding in the model's worker thread: line images in (`lines`,
 * the model's NCHW input under a fixed name), `text` and `confidence` per line out — a few bytes per
 * line cross back to the HTTP thread instead of [lines, steps, 6625] probabilities, and the
 * arg-max over every step and class is not done there.
 */
export const recognizerStep = defineWorkerStep({
  module: import.meta.url,
  export: 'recognizerStep',
  inputs: [{ name: 'lines', datatype: 'FP32', shape: [-1, 3, 48, -1] }],
  outputs: [
    { name: 'text', datatype: 'BYTES', shape: [-1] },
    { name: 'confidence', datatype: 'FP64', shape: [-1] },
  ],
  async run(feeds, ctx) {
    const name = ctx.inputs[0]!.name;
    const lines = ctcDecode(await ctx.run({ [name]: { ...feeds.lines!, name } }), ctx.labels ?? []);
    return {
      text: { name: 'text', datatype: 'BYTES', shape: [lines.length], data: lines.map((l) => utf8(l.text)) },
      confidence: {
        name: 'confidence',
        datatype: 'FP64',
        shape: [lines.length],
        data: Float64Array.from(lines, (l) => l.confidence),
      },
    };
  },
});
