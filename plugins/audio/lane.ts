import { Framer, type FramerState } from './frames.ts';
import { StreamResampler, type ResamplerState } from './resample.ts';
import { frameBytes, readMono, type PcmFormat } from './wav.ts';

/** Sample frames decoded at a time: memory per lane stays about this many samples, whatever the clip's length. */
const BLOCK = 32_768;

/** Where an AudioLane stands between two chunks of its clip. */
export interface LaneState {
  resampler: ResamplerState;
  framer: FramerState;
}

/**
 * One clip's way from PCM bytes to a model's frames: its bytes are decoded to mono, resampled to the
 * model's rate and cut into frame windows a block at a time, as the frames are read. The clip may come
 * whole or in chunks (each `feed` once the previous chunk's frames have been read, `finish` after the
 * last); the windows are the same however it is cut, and `state()` carries them on to the next chunk.
 *
 * @example
 * const lane = new AudioLane(wav, 16_000, 512, 64);
 * lane.feed(wav.data);
 * lane.finish();
 * while (lane.window(input, 0)) run(input);
 */
export class AudioLane {
  private readonly resampler: StreamResampler;
  private readonly framer: Framer;
  private pcm: Uint8Array = new Uint8Array(0);
  private at = 0;
  private finishing = false;
  private flushed = false;

  constructor(
    readonly format: PcmFormat,
    rate: number,
    frame: number,
    context: number,
    state?: LaneState,
  ) {
    this.resampler = new StreamResampler(format.sampleRate, rate, state?.resampler);
    this.framer = new Framer(frame, context, state?.framer);
  }

  /** The clip's next bytes (whole sample frames), after every window of the previous ones was read. */
  feed(pcm: Uint8Array): void {
    this.pcm = pcm;
    this.at = 0;
  }

  /** No bytes after these: the last windows are padded with zeros. */
  finish(): void {
    this.finishing = true;
  }

  /** Frames handed out so far. */
  get frames(): number {
    return this.framer.frames;
  }

  /** Writes the next frame's window to `out` from `offset` on, decoding what it needs; false when none is complete. */
  window(out: Float32Array, offset: number): boolean {
    const total = Math.floor(this.pcm.length / frameBytes(this.format));
    while (!this.framer.window(out, offset)) {
      if (this.at < total) {
        const count = Math.min(BLOCK, total - this.at);
        this.framer.push(this.resampler.push(readMono({ ...this.format, data: this.pcm }, this.at, count)));
        this.at += count;
      } else if (this.finishing && !this.flushed) {
        this.framer.push(this.resampler.end());
        this.framer.end();
        this.flushed = true;
      } else return false;
    }
    return true;
  }

  /** Where it stands (every byte fed so far decoded), to resume with the clip's next chunk. */
  state(): LaneState {
    return { resampler: { ...this.resampler.state() }, framer: this.framer.state() };
  }
}
