import { invalidInput } from '../../core/errors.ts';
import { floats, numbers, type Tensor } from '../../core/tensor.ts';
import { base64Bytes } from '../../core/base64.ts';
import { definePlugin } from '../plugin.ts';
import { bytesInput, encodedInstance } from '../instances.ts';
import { RATE, variant, VadParamsSchema, type VadParams } from './silero.ts';
import { sileroVadStep } from './vad-step.ts';
import { readWavHeader } from './wav.ts';
import { segments } from './segments.ts';
import { summarise } from './summary.ts';
import { prediction, vadStream } from './vad-stream.ts';

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
 * dimension. A WAV sent as the request body itself (`Content-Type: audio/wav`) is streamed instead
 * (`vadStream`): read and analysed 30 s at a time, up to `maxStreamSeconds`, with the model's state
 * carried from chunk to chunk, so an hour-long recording takes flat memory and gets the segments the
 * whole clip would.
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
  stream: vadStream,
  /** Clip-level scores for ensembles: speech = the best 3-frame mean probability (robust to a lone spike). */
  scores(outputs, ctx) {
    return {
      labels: ['speech', 'no-speech'],
      scores: rows(outputs).map((p) => {
        const { best3 } = summarise(p, ctx.params.threshold);
        return [best3, 1 - best3];
      }),
    };
  },
  /** Each clip's speech segments, for ensembles that merge them. */
  segments: (outputs, ctx) => rows(outputs).map((p) => segments(p, variant(ctx).frame / RATE, ctx.params)),
  postprocess(outputs, ctx, _items, options) {
    const frameSeconds = variant(ctx).frame / RATE;
    return rows(outputs).map((p) =>
      prediction(
        summarise(p, ctx.params.threshold),
        segments(p, frameSeconds, ctx.params),
        frameSeconds,
        options.frames === true ? p : undefined,
      ),
    );
  },
});
