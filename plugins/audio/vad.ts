import { z } from 'zod';
import { base64Bytes } from '../../core/base64.ts';
import { invalidInput } from '../../core/errors.ts';
import { floats, numbers, tensor, type Tensor } from '../../core/tensor.ts';
import { definePlugin, type PluginContext } from '../plugin.ts';
import { resampleAsync } from './resample.ts';
import { bytesInput, encodedInstance } from '../instances.ts';
import { decodeWav } from './wav.ts';

const RATE = 16_000;

const Params = z.object({
  /** Speech starts at this frame probability… */
  threshold: z.number().min(0).max(1).default(0.5),
  /** …and ends when it stays below threshold − 0.15 (Silero's hysteresis) for minSilenceMs. */
  minSilenceMs: z.number().min(0).default(100),
  /** Shorter speech segments are dropped. */
  minSpeechMs: z.number().min(0).default(250),
  maxSeconds: z.number().positive().default(60),
}).strict();
type VadParams = z.infer<typeof Params>;

/** One clip: the bytes as sent, decoded to 16 kHz mono in preprocess. */
interface Clip {
  bytes: Uint8Array;
  samples?: Float32Array;
}

/** The two Silero generations: v5/v6 (512-sample frames + 64 of context, one state) and the legacy LSTM (1536, h and c). */
function variant(ctx: Pick<PluginContext, 'inputs'>): { frame: number; context: number; legacy: boolean } {
  const names = new Set(ctx.inputs.map((i) => i.name));
  if (names.has('state')) return { frame: 512, context: 64, legacy: false };
  if (names.has('h') && names.has('c')) return { frame: 1536, context: 0, legacy: true };
  throw new Error(`not a Silero VAD model (inputs: ${[...names].join(', ')})`);
}

const isRiff = (b: Uint8Array) => b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46;

function clipBytes(instance: unknown): Uint8Array {
  const v = encodedInstance(instance, ['b64', 'audio'], 'an audio (WAV)');
  if (v instanceof Uint8Array) return v;
  return base64Bytes(v, (problem) => invalidInput(problem === 'empty' ? 'the audio is empty' : 'the audio is not base64'));
}

/** Frame i of every clip (zero-padded past a clip's end), with the previous frame's tail as context. */
function frameBatch(clips: readonly Float32Array[], i: number, frame: number, context: number): Float32Array {
  const width = frame + context;
  const out = new Float32Array(clips.length * width);
  clips.forEach((s, r) => {
    const start = i * frame - context;
    for (let k = 0; k < width; k++) {
      const at = start + k;
      out[r * width + k] = at >= 0 && at < s.length ? s[at]! : 0;
    }
  });
  return out;
}

/** Speech segments from frame probabilities, with Silero's hysteresis and minimum durations. */
export function segments(probs: ArrayLike<number>, frameSeconds: number, p: Pick<VadParams, 'threshold' | 'minSilenceMs' | 'minSpeechMs'>) {
  const out: Array<{ start_s: number; end_s: number }> = [];
  const neg = p.threshold - 0.15;
  let start = -1;
  let silentSince = -1;
  const close = (end: number) => {
    if ((end - start) * frameSeconds * 1000 >= p.minSpeechMs) out.push({ start_s: +(start * frameSeconds).toFixed(3), end_s: +(end * frameSeconds).toFixed(3) });
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

/**
 * Voice activity detection with Silero VAD (legacy, v5, v6): WAV in (any common rate, mono or stereo,
 * resampled to 16 kHz), speech segments out. The model is stateful: `predict` runs the frames in order,
 * feeding each state back, all clips of a request together along the batch dimension.
 */
export const sileroVad = definePlugin<Clip, VadParams>({
  name: 'silero-vad',
  modality: 'audio',
  description: 'WAV → speech segments (voice activity detection)',
  runtime: 'onnx',
  params: Params,
  inputs: [{ name: 'audio', datatype: 'BYTES', shape: [-1] }],
  outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, -1] }, { name: 'frames', datatype: 'INT32', shape: [-1] }],
  example: { b64: '<base64 WAV>' },
  validate: (ctx) => void variant(ctx),
  parseInstance: (instance) => ({ bytes: clipBytes(instance) }),
  // v2 BYTES elements are raw WAV bytes, or base64 text (JSON requests carry strings).
  fromTensors: (inputs) => bytesInput(inputs, 'audio').map((b) => ({ bytes: isRiff(b) ? b : clipBytes(Buffer.from(b).toString('latin1')) })),
  /** Decodes every clip and returns the feeds of the first frame (the model's own inputs). */
  async preprocess(items, ctx) {
    const v = variant(ctx);
    for (const clip of items) {
      const pcm = decodeWav(clip.bytes, { maxSeconds: ctx.params.maxSeconds });
      clip.samples = await resampleAsync(pcm.samples, pcm.sampleRate, RATE);
    }
    const n = items.length;
    const feeds: Record<string, Tensor> = {
      input: { name: 'input', datatype: 'FP32', shape: [n, v.frame + v.context], data: frameBatch(items.map((c) => c.samples!), 0, v.frame, v.context) },
      sr: { name: 'sr', datatype: 'INT64', shape: [], data: new BigInt64Array([BigInt(RATE)]) },
    };
    if (v.legacy) {
      feeds.h = { name: 'h', datatype: 'FP32', shape: [2, n, 64], data: new Float32Array(2 * n * 64) };
      feeds.c = { name: 'c', datatype: 'FP32', shape: [2, n, 64], data: new Float32Array(2 * n * 64) };
    } else {
      feeds.state = { name: 'state', datatype: 'FP32', shape: [2, n, 128], data: new Float32Array(2 * n * 128) };
    }
    return feeds;
  },
  async predict(first, ctx, items) {
    const v = variant(ctx);
    const clips = items.map((c) => c.samples!);
    const frames = Math.max(...clips.map((s) => Math.ceil(s.length / v.frame)));
    const probs = new Float32Array(items.length * frames);
    let feeds = first;
    for (let i = 0; i < frames; i++) {
      if (i > 0) feeds = { ...feeds, input: tensor('input', 'FP32', feeds.input!.shape, frameBatch(clips, i, v.frame, v.context)) };
      const out = await ctx.run(feeds);
      const p = floats(out.output!);
      for (let r = 0; r < items.length; r++) probs[r * frames + i] = p[r]!;
      feeds = v.legacy ? { ...feeds, h: { ...out.hn!, name: 'h' }, c: { ...out.cn!, name: 'c' } } : { ...feeds, state: { ...out.stateN!, name: 'state' } };
    }
    return {
      probabilities: { name: 'probabilities', datatype: 'FP32', shape: [items.length, frames], data: probs },
      frames: { name: 'frames', datatype: 'INT32', shape: [items.length], data: Int32Array.from(clips, (s) => Math.ceil(s.length / v.frame)) },
    };
  },
  /** Clip-level scores for ensembles: speech = the best 3-frame mean probability (robust to a lone spike). */
  scores(outputs) {
    return {
      labels: ['speech', 'no-speech'],
      scores: rows(outputs).map((p) => {
        let best = 0;
        for (let i = 0; i < p.length; i++) best = Math.max(best, (p[i]! + (p[i + 1] ?? p[i]!) + (p[i + 2] ?? p[i]!)) / 3);
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
