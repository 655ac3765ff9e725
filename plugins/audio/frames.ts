/** Where a Framer stands: samples received, the tail it keeps, the next frame. */
export interface FramerState {
  /** Samples received so far. */
  received: number;
  /** The next frame to hand out. */
  next: number;
  /** The signal index of `tail[0]`. */
  tailStart: number;
  /** The samples from the next frame's window on. */
  tail: Float32Array;
}

/**
 * Cuts a signal that arrives in parts (decoded and resampled as it is read) into a model's frames:
 * frame f's window is samples [f·frame − context, f·frame + frame), samples outside the signal read as
 * zeros, and the signal makes ceil(length / frame) frames. A window is handed out once its samples have
 * all arrived, or once `end` says the signal is over. Only the next window's samples are kept, so
 * memory does not grow with the signal, and `state()` can be carried elsewhere and resumed.
 *
 * @example
 * const framer = new Framer(512, 64);
 * framer.push(samples);
 * while (framer.window(input, 0)) run(input);
 */
export class Framer {
  private s: FramerState;
  private ended = false;

  constructor(
    readonly frame: number,
    readonly context: number,
    state?: FramerState,
  ) {
    this.s = state ?? { received: 0, next: 0, tailStart: 0, tail: new Float32Array(0) };
  }

  /** More samples of the signal. */
  push(samples: Float32Array): void {
    if (samples.length === 0) return;
    const s = this.s;
    const tail = new Float32Array(s.tail.length + samples.length);
    tail.set(s.tail);
    tail.set(samples, s.tail.length);
    s.tail = tail;
    s.received += samples.length;
  }

  /** The signal is over: its last frame is handed out padded with zeros. */
  end(): void {
    this.ended = true;
  }

  /** Frames handed out so far. */
  get frames(): number {
    return this.s.next;
  }

  /** Writes the next frame's window to `out` from `offset` on and returns true, if it is complete. */
  window(out: Float32Array, offset: number): boolean {
    const s = this.s;
    const start = s.next * this.frame - this.context;
    const width = this.frame + this.context;
    const complete = this.ended ? s.next < Math.ceil(s.received / this.frame) : start + width <= s.received;
    if (!complete) return false;
    for (let k = 0; k < width; k++) {
      const at = start + k - s.tailStart;
      out[offset + k] = at >= 0 && at < s.tail.length ? s.tail[at]! : 0;
    }
    s.next++;
    const keep = s.next * this.frame - this.context;
    if (keep > s.tailStart) {
      s.tail = s.tail.subarray(Math.min(s.tail.length, keep - s.tailStart));
      s.tailStart = keep;
    }
    return true;
  }

  /** Where it stands, to resume with `new Framer(frame, context, state)` (the tail copied out of its buffer). */
  state(): FramerState {
    return { ...this.s, tail: this.s.tail.slice() };
  }
}
