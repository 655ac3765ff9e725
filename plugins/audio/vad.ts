import { invalidInput } from '../../core/errors.ts';
import { floats, numbers, type Tensor } from '../../core/tensor.ts';
import { base64Bytes } from '../../core/base64.ts';
import { definePlugin } from '../plugin.ts';
import { bytesInput, encodedInstance } from '../instances.ts';
import { RATE, variant, VadParamsSchema, type VadParams } from './silero.ts';
import { sileroVadStep } from './vad-step.ts';
import { readWavHeader } from './wav.ts';

/** One clip: the bytes as sent (their WAV header checked; the samples are decoded in the worker step). */
interface Clip {
  bytes: Uint8Array;
}

const isRiff = (b: Uint8Array) => b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46;

function clipBytes(instance: unknown): Uint8Array {
  const v = encodedInstance(instance, ['b64', 'audio'], 'an audio (WAV)');
  if (v instanceof Uint8Array) return v;
  return base64Bytes(v, (problem) =>
    invalidInput(problem === 'empty' ? 'the audio is empty' : 'the audio is not base64'),
  );
}

/** Speech segments from frame probabilities, with Silero's hysteresis and minimum durations. */
export function segments(
  probs: ArrayLike<number>,
  frameSeconds: number,
  p: Pick<VadParams, 'threshold' | 'minSilenceMs' | 'minSpeechMs'>,
) {
  const out: Array<{ start_s: number; end_s: number }> = [];
  const neg = p.threshold - 0.15;
  let start = -1;
  let silentSince = -1;
  const close = (end: number) => {
    if ((end - start) * frameSeconds * 1000 >= p.minSpeechMs)
      out.push({ start_s: +(start * frameSeconds).toFixed(3), end_s: +(end * frameSeconds).toFixed(3) });
    start = -1;
    silentSince = -1;
  };
  for (let i = 0; i < probs.length; i++) {
    const v = probs[i]!;
    if (start < 0) {
      if (v >= p.threshold) start = i;
    } else if (v < neg) {
      if (silentSince < 0) silentSince = i;
      if ((i - silentSince + 1) * frameSeconds * 1000 >= p.minSilenceMs) close(silentSince);
    } else silentSince = -1;
  }
  if (start >= 0) close(silentSince >= 0 ? silentSince : probs.length);
  return out;
}

/** Per clip, its frame probabilities (the first `lengths[i]` of row i). */
function rows(outputs: Record<string, Tensor>): Float32Array[] {
  const probs = outputs.probabilities!;
  const [values, lengths] = [floats(probs), numbers(outputs.frames!)];
  const width = probs.shape[1]!;
  return lengths.map((n, i) => values.subarray(i * width, i * width + n));
}

/** A clip's bytes, its WAV header checked here (400/413/415 before the request is scheduled). */
function clip(bytes: Uint8Array, params: VadParams): Clip {
  readWavHeader(bytes, { maxSeconds: params.maxSeconds });
  return { bytes };
}

/**
 * Voice activity detection with Silero VAD (legacy, v5, v6): WAV in (any common rate, mono or stereo,
 * resampled to 16 kHz), speech segments out. Only the WAV header is read on the HTTP thread: decoding,
 * resampling and the stateful frame loop (each state fed back) run in the model's worker thread
 * (`sileroVadStep`), one scheduled request per chunk of clips, all its clips together along the batch
 * dimension.
 */
export const sileroVad = definePlugin<Clip, VadParams>({
  name: 'silero-vad',
  modality: 'audio',
  description: 'WAV → speech segments (voice activity detection)',
  runtime: 'onnx',
  params: VadParamsSchema,
  inputs: [{ name: 'audio', datatype: 'BYTES', shape: [-1] }],
  example: { b64: '<base64 WAV>' },
  validate: (ctx) => void variant(ctx),
  parseInstance: (instance, ctx) => clip(clipBytes(instance), ctx.params),
  // v2 BYTES elements are raw WAV bytes, or base64 text (JSON requests carry strings).
  fromTensors: (inputs, ctx) =>
    bytesInput(inputs, 'audio').map((b) =>
      clip(isRiff(b) ? b : clipBytes(Buffer.from(b).toString('latin1')), ctx.params),
    ),
  /** The clips' bytes as the worker step's input. */
  async preprocess(items) {
    return { audio: { name: 'audio', datatype: 'BYTES', shape: [items.length], data: items.map((c) => c.bytes) } };
  },
  step: sileroVadStep,
  /** Clip-level scores for ensembles: speech = the best 3-frame mean probability (robust to a lone spike). */
  scores(outputs) {
    return {
      labels: ['speech', 'no-speech'],
      scores: rows(outputs).map((p) => {
        let best = 0;
        for (let i = 0; i < p.length; i++)
          best = Math.max(best, (p[i]! + (p[i + 1] ?? p[i]!) + (p[i + 2] ?? p[i]!)) / 3);
        return [best, 1 - best];
      }),
    };
  },
  postprocess(outputs, ctx, _items, options) {
    const v = variant(ctx);
    const frameSeconds = v.frame / RATE;
    return rows(outputs).map((p) => {
      const segs = segments(p, frameSeconds, ctx.params);
      const speechFrames = Array.from(p).filter((x) => x >= ctx.params.threshold).length;
      return {
        speech: segs.length > 0,
        speech_ratio: +(speechFrames / Math.max(1, p.length)).toFixed(4),
        max_probability: +Math.max(0, ...Array.from(p)).toFixed(4),
        duration_s: +(p.length * frameSeconds).toFixed(3),
        segments: segs,
        ...(options.frames === true ? { frames: Array.from(p, (x) => +x.toFixed(4)) } : {}),
      };
    });
  },
});
