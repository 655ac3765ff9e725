import type { VadParams } from './silero.ts';

/** A stretch of speech, in seconds from the clip's start (to the millisecond). */
export interface Segment {
  start_s: number;
  end_s: number;
}

/** Where a SegmentTracker stands: frames seen, the open segment's first frame and its silence's (−1: none). */
export interface TrackerState {
  frame: number;
  start: number;
  silentSince: number;
}

type Thresholds = Pick<VadParams, 'threshold' | 'minSilenceMs' | 'minSpeechMs'>;

/** A segment of frames [start, end) in seconds. */
export const segmentOf = (start: number, end: number, frameSeconds: number): Segment => ({
  start_s: +(start * frameSeconds).toFixed(3),
  end_s: +(end * frameSeconds).toFixed(3),
});

/**
 * Speech segments from frame probabilities fed one at a time, with Silero's hysteresis: speech starts
 * at `threshold` and ends when the probability stays below threshold − 0.15 for `minSilenceMs`;
 * segments shorter than `minSpeechMs` are dropped. Each segment is returned (as frames [start, end))
 * by the `push` that closes it, the last one by `end`; `state()` resumes elsewhere.
 *
 * @example
 * const t = new SegmentTracker(params, 0.032);
 * for (const p of probs) { const s = t.push(p); if (s) found(s); }
 */
export class SegmentTracker {
  private s: TrackerState;
  private readonly neg: number;

  constructor(
    private readonly p: Thresholds,
    private readonly frameSeconds: number,
    state?: TrackerState,
  ) {
    this.s = state ? { ...state } : { frame: 0, start: -1, silentSince: -1 };
    this.neg = p.threshold - 0.15;
  }

  /** The next frame's probability; the segment it closes, if any. */
  push(v: number): [number, number] | undefined {
    const s = this.s;
    const i = s.frame++;
    if (s.start < 0) {
      if (v >= this.p.threshold) s.start = i;
    } else if (v < this.neg) {
      if (s.silentSince < 0) s.silentSince = i;
      if ((i - s.silentSince + 1) * this.frameSeconds * 1000 >= this.p.minSilenceMs) return this.close(s.silentSince);
    } else s.silentSince = -1;
    return undefined;
  }

  /** No more frames: the open segment, if long enough. */
  end(): [number, number] | undefined {
    const s = this.s;
    return s.start >= 0 ? this.close(s.silentSince >= 0 ? s.silentSince : s.frame) : undefined;
  }

  state(): TrackerState {
    return { ...this.s };
  }

  private close(end: number): [number, number] | undefined {
    const s = this.s;
    const start = s.start;
    s.start = -1;
    s.silentSince = -1;
    return (end - start) * this.frameSeconds * 1000 >= this.p.minSpeechMs ? [start, end] : undefined;
  }
}

/** Speech segments of a clip's frame probabilities (see SegmentTracker). */
export function segments(probs: ArrayLike<number>, frameSeconds: number, p: Thresholds): Segment[] {
  const t = new SegmentTracker(p, frameSeconds);
  const out: Segment[] = [];
  const add = (s: [number, number] | undefined) => {
    if (s) out.push(segmentOf(s[0], s[1], frameSeconds));
  };
  for (let i = 0; i < probs.length; i++) add(t.push(probs[i]!));
  add(t.end());
  return out;
}
