import { GatewayError } from '../../core/errors.ts';
import type { Tensor } from '../../core/tensor.ts';
import type { PluginContext } from '../plugin.ts';
import type { StreamCapability, StreamSession } from '../stream.ts';
import { segmentOf, type Segment } from './segments.ts';
import { RATE, variant, type VadParams } from './silero.ts';
import { CHUNK } from './vad-step.ts';
import { checkSeconds, frameBytes, wavStart, type PcmFormat } from './wav.ts';

/** WAV's media types (RFC 2361's and the common unofficial ones). */
const WAV_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'];
/** Bytes a WAV may hold before its data chunk (fmt, LIST, bext…); more is refused. */
const HEADER_MAX = 1 << 20;
/**
 * A chunk is this much audio (the request's `chunk_s`, 1 to 60 s), or CHUNK_MAX_BYTES if less: the
 * segments found reach the client at least this often; each chunk is one round trip to the worker.
 */
const CHUNK_SECONDS = 30;
const CHUNK_MAX_BYTES = 4 << 20;

/** The request's `chunk_s`, checked. */
function chunkSeconds(parameters: Record<string, unknown>): number {
  const s = parameters.chunk_s ?? CHUNK_SECONDS;
  if (typeof s !== 'number' || !(s >= 1 && s <= 60))
    throw new GatewayError('INVALID_INPUT', 'parameter chunk_s must be a number of seconds from 1 to 60');
  return s;
}

const bad = (message: string) => new GatewayError('INVALID_AUDIO', `invalid WAV: ${message}`);

/** A VAD's prediction from its summary and segments (the same fields as the whole-clip answer). */
export function prediction(
  summary: { frames: number; speechFrames: number; max: number },
  segs: readonly Segment[],
  frameSeconds: number,
  probs?: ArrayLike<number>,
) {
  return {
    speech: segs.length > 0,
    speech_ratio: +(summary.speechFrames / Math.max(1, summary.frames)).toFixed(4),
    max_probability: +summary.max.toFixed(4),
    duration_s: +(summary.frames * frameSeconds).toFixed(3),
    segments: segs,
    ...(probs ? { frames: Array.from(probs, (x) => +x.toFixed(4)) } : {}),
  };
}

/**
 * A streamed WAV body through Silero VAD: the header read from the first bytes (format checked,
 * a declared length over `maxStreamSeconds` refused before any audio is analysed), the data cut into
 * chunks of about 30 s of whole sample frames, each run by the worker step from the state the previous
 * chunk's answer carried; the segments found are told as they close, and the prediction is the one the
 * whole clip would get. Memory: the chunk being filled and the one being run.
 */
class VadStreamSession implements StreamSession {
  private header: Uint8Array = new Uint8Array(0);
  private format: PcmFormat | undefined;
  private chunkBytes = 0;
  /** Data bytes the header declares (absent: to the end of the body). */
  private declared: number | undefined;
  private seen = 0;
  private fill = new Uint8Array(0);
  private filled = 0;
  private readonly full: Uint8Array[] = [];
  private ended = false;
  private finalSent = false;
  private carry: Tensor | undefined;
  private readonly segs: Segment[] = [];
  private readonly probs: number[] | undefined;
  private summary = { frames: 0, speechFrames: 0, max: 0, best3: 0 };
  private readonly frameSeconds: number;
  done = false;

  constructor(
    private readonly params: VadParams,
    frameSeconds: number,
    wantFrames: boolean,
    private readonly chunkSeconds: number,
  ) {
    this.frameSeconds = frameSeconds;
    this.probs = wantFrames ? [] : undefined;
  }

  get started(): boolean {
    return this.format !== undefined;
  }

  write(bytes: Uint8Array): void {
    if (this.format) {
      this.data(bytes);
      return;
    }
    const header = new Uint8Array(this.header.length + bytes.length);
    header.set(this.header);
    header.set(bytes, this.header.length);
    this.header = header;
    const start = wavStart(header);
    if ('missing' in start) {
      if (header.length > HEADER_MAX) throw bad(`${start.missing} in the first ${HEADER_MAX} bytes`);
      return;
    }
    const { dataOffset, dataBytes, ...format } = start;
    const frame = frameBytes(format);
    if (dataBytes !== undefined)
      checkSeconds(Math.floor(dataBytes / frame), format.sampleRate, this.params.maxStreamSeconds);
    this.format = format;
    this.declared = dataBytes;
    const perChunk = Math.min(Math.round(this.chunkSeconds * format.sampleRate) * frame, CHUNK_MAX_BYTES);
    this.chunkBytes = Math.max(frame, perChunk - (perChunk % frame));
    this.fill = new Uint8Array(this.chunkBytes);
    this.header = new Uint8Array(0);
    this.data(header.subarray(Math.min(dataOffset, header.length)));
  }

  /** Data bytes into the chunk being filled (bytes past a declared data chunk are not audio: ignored). */
  private data(bytes: Uint8Array): void {
    const take = this.declared === undefined ? bytes.length : Math.min(bytes.length, this.declared - this.seen);
    if (take <= 0) return;
    this.seen += take;
    if (this.declared === undefined)
      checkSeconds(
        Math.floor(this.seen / frameBytes(this.format!)),
        this.format!.sampleRate,
        this.params.maxStreamSeconds,
      );
    for (let at = 0; at < take; ) {
      const n = Math.min(take - at, this.chunkBytes - this.filled);
      this.fill.set(bytes.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.chunkBytes) {
        this.full.push(this.fill);
        this.fill = new Uint8Array(this.chunkBytes);
        this.filled = 0;
      }
    }
  }

  end(): void {
    if (!this.format) {
      const start = wavStart(this.header);
      throw bad('missing' in start ? start.missing : 'no data chunk');
    }
    if (this.declared !== undefined && this.seen < this.declared)
      throw bad(`truncated: the data chunk declares ${this.declared} bytes, the file holds ${this.seen}`);
    if (this.seen < frameBytes(this.format)) throw bad('no samples');
    this.ended = true;
  }

  /** A full chunk waits for a byte after it (or the end), so that the last one goes as the final chunk. */
  ready(): boolean {
    const waiting = this.full.length - (this.ended || this.filled > 0 ? 0 : 1);
    return waiting > 0 || (this.ended && !this.finalSent);
  }

  next(): Record<string, Tensor> {
    const f = this.format!;
    const frame = frameBytes(f);
    // After the end, the last full chunk is the final one when nothing follows it.
    let pcm: Uint8Array;
    let final = false;
    if (this.full.length > 0) {
      pcm = this.full.shift()!;
      final = this.ended && this.full.length === 0 && this.filled < frame;
    } else {
      pcm = this.fill.slice(0, this.filled - (this.filled % frame));
      final = true;
    }
    if (final) this.finalSent = true;
    return {
      [CHUNK.pcm]: { name: CHUNK.pcm, datatype: 'BYTES', shape: [1], data: [pcm] },
      [CHUNK.format]: {
        name: CHUNK.format,
        datatype: 'INT32',
        shape: [4],
        data: Int32Array.from([f.sampleRate, f.channels, f.bitsPerSample, f.format === 'float' ? 1 : 0]),
      },
      [CHUNK.final]: { name: CHUNK.final, datatype: 'INT32', shape: [1], data: Int32Array.from([final ? 1 : 0]) },
      ...(this.carry ? { [CHUNK.carry]: this.carry } : {}),
    };
  }

  took(outputs: Record<string, Tensor>): unknown[] {
    const { carry, segments, summary, probabilities } = {
      carry: outputs[CHUNK.carry],
      segments: outputs[CHUNK.segments]?.data as Int32Array | undefined,
      summary: outputs[CHUNK.summary]?.data as Float64Array | undefined,
      probabilities: outputs.probabilities?.data as Float32Array | undefined,
    };
    if (!carry || !segments || !summary || !probabilities)
      throw new GatewayError('INFERENCE_FAILED', 'a stream chunk came back without its segments, summary or carry');
    this.carry = carry;
    const found: Segment[] = [];
    for (let i = 0; i + 1 < segments.length; i += 2)
      found.push(segmentOf(segments[i]!, segments[i + 1]!, this.frameSeconds));
    this.segs.push(...found);
    if (this.probs) for (const p of probabilities) this.probs.push(p);
    const [frames = 0, speechFrames = 0, max = 0, best3 = 0] = summary;
    this.summary = { frames, speechFrames, max, best3 };
    if (this.finalSent && !this.ready()) this.done = true;
    return found.map((segment) => ({ segment }));
  }

  result(): unknown {
    return prediction(this.summary, this.segs, this.frameSeconds, this.probs);
  }

  scores(): { labels: readonly string[]; scores: number[] } {
    return { labels: ['speech', 'no-speech'], scores: [this.summary.best3, 1 - this.summary.best3] };
  }

  segments(): Segment[] {
    return this.segs;
  }
}

/** Silero VAD's streamed form: a WAV body of up to `maxStreamSeconds`, analysed a chunk at a time. */
export const vadStream: StreamCapability<VadParams> = {
  contentTypes: WAV_TYPES,
  open(ctx: PluginContext<VadParams>, parameters: Record<string, unknown>): StreamSession {
    return new VadStreamSession(
      ctx.params,
      variant(ctx).frame / RATE,
      parameters.frames === true,
      chunkSeconds(parameters),
    );
  },
};
