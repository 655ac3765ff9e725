import type { Tensor } from '../../core/tensor.ts';
import { defineWorkerStep } from '../../runtimes/worker/step.ts';
import { bytesInput } from '../instances.ts';
import { WindowReader } from './frames.ts';
import { resampleBlocks, resampledLength } from './resample.ts';
import { RATE, variant, type VadParams } from './silero.ts';
import { readMono, readWavHeader } from './wav.ts';

/** A clip's samples at 16 kHz, decoded and resampled block by block as the frame loop reads them. */
function openClip(bytes: Uint8Array, maxSeconds: number): WindowReader {
  const wav = readWavHeader(bytes, { maxSeconds });
  const source = { length: wav.frames, read: (start: number, count: number) => readMono(wav, start, count) };
  return new WindowReader(
    resampleBlocks(source, wav.sampleRate, RATE),
    resampledLength(wav.frames, wav.sampleRate, RATE),
  );
}

/**
 * Silero VAD's whole pipeline in the model's worker thread: WAV bytes in (one clip per row), every
 * clip decoded and resampled to 16 kHz a block at a time, the frames run in order with each state fed
 * back, all clips together along the batch dimension (zeros past a clip's end); out come each clip's
 * frame probabilities (`probabilities` [clips, longest], the first `frames[i]` of row i). Memory holds
 * the bytes, one block per clip and the probabilities, whatever the clips' length.
 */
export const sileroVadStep = defineWorkerStep<VadParams>({
  module: import.meta.url,
  export: 'sileroVadStep',
  inputs: [{ name: 'audio', datatype: 'BYTES', shape: [-1] }],
  outputs: [
    { name: 'probabilities', datatype: 'FP32', shape: [-1, -1] },
    { name: 'frames', datatype: 'INT32', shape: [-1] },
  ],
  async run(feeds, ctx) {
    const v = variant(ctx);
    const clips = bytesInput(feeds, 'audio').map((bytes) => openClip(bytes, ctx.params.maxSeconds));
    const n = clips.length;
    const counts = Int32Array.from(clips, (c) => Math.ceil(c.length / v.frame));
    const frames = Math.max(...counts);
    const width = v.frame + v.context;
    const probs = new Float32Array(n * frames);
    let state: Record<string, Tensor> = v.legacy
      ? {
          h: { name: 'h', datatype: 'FP32', shape: [2, n, 64], data: new Float32Array(2 * n * 64) },
          c: { name: 'c', datatype: 'FP32', shape: [2, n, 64], data: new Float32Array(2 * n * 64) },
        }
      : { state: { name: 'state', datatype: 'FP32', shape: [2, n, 128], data: new Float32Array(2 * n * 128) } };
    const sr: Tensor = { name: 'sr', datatype: 'INT64', shape: [], data: new BigInt64Array([BigInt(RATE)]) };
    for (let i = 0; i < frames; i++) {
      const input = new Float32Array(n * width);
      clips.forEach((c, r) => {
        c.read(i * v.frame - v.context, width, input, r * width);
      });
      const out = await ctx.run({
        input: { name: 'input', datatype: 'FP32', shape: [n, width], data: input },
        sr,
        ...state,
      });
      const p = out.output!.data as Float32Array;
      for (let r = 0; r < n; r++) probs[r * frames + i] = p[r]!;
      state = v.legacy
        ? { h: { ...out.hn!, name: 'h' }, c: { ...out.cn!, name: 'c' } }
        : { state: { ...out.stateN!, name: 'state' } };
    }
    return {
      probabilities: { name: 'probabilities', datatype: 'FP32', shape: [n, frames], data: probs },
      frames: { name: 'frames', datatype: 'INT32', shape: [n], data: counts },
    };
  },
});
