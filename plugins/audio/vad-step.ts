import { GatewayError } from '../../core/errors.ts';
import type { Tensor } from '../../core/tensor.ts';
import { defineWorkerStep, type StepContext } from '../../runtimes/worker/step.ts';
import { bytesInput } from '../instances.ts';
import { CarryReader, packCarry } from './carry.ts';
import { AudioLane } from './lane.ts';
import { SegmentTracker } from './segments.ts';
import { RATE, variant, type VadParams } from './silero.ts';
import { SummaryTracker } from './summary.ts';
import { resampledLength } from './resample.ts';
import { readWavHeader, type PcmFormat } from './wav.ts';

type Variant = ReturnType<typeof variant>;

/** The names of a streamed chunk's feeds and answer (plugins/audio/vad-stream.ts builds and reads them). */
export const CHUNK = {
  /** BYTES [1]: the chunk's PCM bytes (whole sample frames). */
  pcm: 'pcm',
  /** INT32 [4]: sample rate, channels, bits per sample, 1 for IEEE float. */
  format: 'format',
  /** INT32 [1]: 1 on the stream's last chunk. */
  final: 'final',
  /** FP64 [n]: the state the previous chunk's answer carried (absent on the first chunk); also answered. */
  carry: 'carry',
  /** Answered, INT32 [segments, 2]: the speech segments closed in this chunk, as frames [start, end). */
  segments: 'segments',
  /** Answered, FP64 [4]: frames, speech frames, highest probability and best 3-frame mean so far (final once the last chunk is in). */
  summary: 'summary',
} as const;

/** The recurrent state's floats for `n` clips, in the model's feeds; `from` resumes a carried one (one clip). */
function rnnState(v: Variant, n: number, from?: Float32Array): Record<string, Tensor> {
  if (v.legacy) {
    const h = from ? from.slice(0, 128) : new Float32Array(2 * n * 64);
    const c = from ? from.slice(128) : new Float32Array(2 * n * 64);
    return {
      h: { name: 'h', datatype: 'FP32', shape: [2, n, 64], data: h },
      c: { name: 'c', datatype: 'FP32', shape: [2, n, 64], data: c },
    };
  }
  return {
    state: { name: 'state', datatype: 'FP32', shape: [2, n, 128], data: from ?? new Float32Array(2 * n * 128) },
  };
}

/** A one-clip recurrent state as one float array (v5/v6: state; legacy: h then c). */
function packedRnn(v: Variant, state: Record<string, Tensor>): Float32Array {
  if (!v.legacy) return state.state!.data as Float32Array;
  const out = new Float32Array(256);
  out.set(state.h!.data as Float32Array);
  out.set(state.c!.data as Float32Array, 128);
  return out;
}

/**
 * Runs the model frame after frame over `lanes` (one clip each, together along the batch dimension),
 * each state fed back, until no lane has a complete window; a lane without one reads zeros. `each`
 * sees every frame's probabilities (row r for lane r, valid where `live[r]`). Returns the final state.
 */
async function runFrames(
  lanes: readonly AudioLane[],
  start: Record<string, Tensor>,
  v: Variant,
  ctx: StepContext<VadParams>,
  each: (probs: Float32Array, live: readonly boolean[]) => void,
): Promise<Record<string, Tensor>> {
  const n = lanes.length;
  const width = v.frame + v.context;
  const sr: Tensor = { name: 'sr', datatype: 'INT64', shape: [], data: new BigInt64Array([BigInt(RATE)]) };
  const input = new Float32Array(n * width); // reused: each run is over before the next window is written
  const live = new Array<boolean>(n).fill(false);
  let state = start;
  for (;;) {
    let any = false;
    for (let r = 0; r < n; r++) {
      live[r] = lanes[r]!.window(input, r * width);
      if (!live[r]) input.fill(0, r * width, (r + 1) * width);
      any ||= live[r]!;
    }
    if (!any) return state;
    const out = await ctx.run({
      input: { name: 'input', datatype: 'FP32', shape: [n, width], data: input },
      sr,
      ...state,
    });
    each(out.output!.data as Float32Array, live);
    state = v.legacy
      ? { h: { ...out.hn!, name: 'h' }, c: { ...out.cn!, name: 'c' } }
      : { state: { ...out.stateN!, name: 'state' } };
  }
}

/** Whole clips (one per row of `audio`): every clip's frame probabilities. */
async function runClips(feeds: Record<string, Tensor>, ctx: StepContext<VadParams>): Promise<Record<string, Tensor>> {
  const v = variant(ctx);
  const lanes = bytesInput(feeds, 'audio').map((bytes) => {
    const wav = readWavHeader(bytes, { maxSeconds: ctx.params.maxSeconds });
    const lane = new AudioLane(wav, RATE, v.frame, v.context);
    lane.feed(wav.data);
    lane.finish();
    return { lane, count: Math.ceil(resampledLength(wav.frames, wav.sampleRate, RATE) / v.frame) };
  });
  const n = lanes.length;
  const counts = Int32Array.from(lanes, (l) => l.count);
  const frames = Math.max(...counts);
  const probs = new Float32Array(n * frames);
  let i = 0;
  await runFrames(
    lanes.map((l) => l.lane),
    rnnState(v, n),
    v,
    ctx,
    (p, live) => {
      for (let r = 0; r < n; r++) if (live[r]) probs[r * frames + i] = p[r]!;
      i++;
    },
  );
  return {
    probabilities: { name: 'probabilities', datatype: 'FP32', shape: [n, frames], data: probs },
    frames: { name: 'frames', datatype: 'INT32', shape: [n], data: counts },
  };
}

/** The PCM format a chunk names, checked as a WAV header's would be. */
function formatOf(t: Tensor | undefined): PcmFormat {
  const f = t?.datatype === 'INT32' && t.data.length === 4 ? t.data : undefined;
  const [rate = 0, channels = 0, bits = 0, float = 0] = f ?? [];
  const ok =
    rate >= 1000 &&
    rate <= 384_000 &&
    channels >= 1 &&
    channels <= 32 &&
    (float ? [32, 64] : [8, 16, 24, 32]).includes(bits);
  if (!ok) throw new GatewayError('INVALID_INPUT', 'a stream chunk needs its PCM format');
  return { sampleRate: rate, channels, bitsPerSample: bits, format: float ? 'float' : 'pcm' };
}

/**
 * One chunk of a streamed clip: its PCM bytes decoded, resampled and run frame by frame from the state
 * the previous chunk's answer carried (the model's recurrent state, the resampler's and framer's tails,
 * the open segment, the summary), so that the segments are those of the whole clip however it is cut.
 */
async function runChunk(feeds: Record<string, Tensor>, ctx: StepContext<VadParams>): Promise<Record<string, Tensor>> {
  const v = variant(ctx);
  const format = formatOf(feeds[CHUNK.format]);
  const final = feeds[CHUNK.final]?.data[0] === 1;
  const carry = feeds[CHUNK.carry];
  const frameSeconds = v.frame / RATE;
  let lane: AudioLane;
  let tracker: SegmentTracker;
  let summary: SummaryTracker;
  let rnn: Float32Array | undefined;
  if (carry) {
    if (carry.datatype !== 'FP64') throw new GatewayError('INVALID_INPUT', 'malformed stream carry');
    const r = new CarryReader(carry.data);
    const tail = (max: number) => {
      const [received, next, tailStart] = [r.count(), r.count(), r.count()];
      return { received, next, tailStart, tail: r.floats(max) };
    };
    const resampler = tail(1 << 20);
    const framer = tail(1 << 20);
    lane = new AudioLane(format, RATE, v.frame, v.context, { resampler, framer });
    tracker = new SegmentTracker(ctx.params, frameSeconds, {
      frame: r.count(),
      start: r.number(),
      silentSince: r.number(),
    });
    summary = new SummaryTracker(
      ctx.params.threshold,
      Array.from({ length: 6 }, () => r.number()),
    );
    rnn = r.floats(256);
    r.done();
    if (rnn.length !== 256) throw new GatewayError('INVALID_INPUT', 'malformed stream carry');
  } else {
    lane = new AudioLane(format, RATE, v.frame, v.context);
    tracker = new SegmentTracker(ctx.params, frameSeconds);
    summary = new SummaryTracker(ctx.params.threshold);
  }
  lane.feed(bytesInput(feeds, CHUNK.pcm)[0] ?? new Uint8Array(0));
  if (final) lane.finish();
  const probs: number[] = [];
  const closed: number[] = [];
  const state = await runFrames([lane], rnnState(v, 1, rnn), v, ctx, (p) => {
    probs.push(p[0]!);
    summary.push(p[0]!);
    const s = tracker.push(p[0]!);
    if (s) closed.push(...s);
  });
  const last = final ? tracker.end() : undefined;
  if (last) closed.push(...last);
  const done = summary.end();
  const { resampler, framer } = lane.state();
  const t = tracker.state();
  const packed = packCarry([
    resampler.received,
    resampler.next,
    resampler.tailStart,
    resampler.tail,
    framer.received,
    framer.next,
    framer.tailStart,
    framer.tail,
    t.frame,
    t.start,
    t.silentSince,
    ...summary.state(),
    packedRnn(v, state),
  ]);
  return {
    probabilities: {
      name: 'probabilities',
      datatype: 'FP32',
      shape: [1, probs.length],
      data: Float32Array.from(probs),
    },
    [CHUNK.segments]: {
      name: CHUNK.segments,
      datatype: 'INT32',
      shape: [closed.length / 2, 2],
      data: Int32Array.from(closed),
    },
    [CHUNK.summary]: {
      name: CHUNK.summary,
      datatype: 'FP64',
      shape: [4],
      data: Float64Array.from([done.frames, done.speechFrames, done.max, done.best3]),
    },
    [CHUNK.carry]: { name: CHUNK.carry, datatype: 'FP64', shape: [packed.length], data: packed },
  };
}

/**
 * Silero VAD's whole pipeline in the model's worker thread, in one of two forms:
 *
 * - whole clips: WAV bytes in (one clip per row of `audio`), every clip decoded and resampled to 16 kHz
 *   a block at a time, the frames run in order with each state fed back, all clips together along the
 *   batch dimension (zeros past a clip's end); out come each clip's frame probabilities
 *   (`probabilities` [clips, longest], the first `frames[i]` of row i).
 * - one chunk of a streamed clip (feeds named in CHUNK: `pcm`, `format`, `final`, `carry`): its frames
 *   run from the state carried from the previous chunk; out come its frames' probabilities, the
 *   segments closed, the summary so far and the state for the next chunk (`carry`).
 *
 * Memory holds the bytes, one block per clip and the probabilities, whatever the clips' length.
 */
export const sileroVadStep = defineWorkerStep<VadParams>({
  module: import.meta.url,
  export: 'sileroVadStep',
  inputs: [{ name: 'audio', datatype: 'BYTES', shape: [-1] }],
  outputs: [
    { name: 'probabilities', datatype: 'FP32', shape: [-1, -1] },
    { name: 'frames', datatype: 'INT32', shape: [-1] },
  ],
  run: (feeds, ctx) => (feeds[CHUNK.pcm] ? runChunk(feeds, ctx) : runClips(feeds, ctx)),
});
