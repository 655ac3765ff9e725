/** What a clip's frame probabilities come to, beside its segments. */
export interface ClipSummary {
  frames: number;
  /** Frames at or above the threshold. */
  speechFrames: number;
  /** The highest frame probability (0 with no frames). */
  max: number;
  /** The best mean of 3 consecutive frames (a clip-level score robust to a lone spike). */
  best3: number;
}

/**
 * A clip's summary from its frame probabilities fed one at a time, the same whether the clip comes
 * whole or in chunks (`state()` packs it for the next chunk; `end()` completes the 3-frame means at
 * the clip's end, where a window repeats the clip's last frames as the whole-clip formula does).
 *
 * @example const s = new SummaryTracker(0.5); for (const p of probs) s.push(p); const { best3 } = s.end();
 */
export class SummaryTracker {
  private s: ClipSummary & { prev2: number; prev1: number };

  constructor(
    private readonly threshold: number,
    state?: readonly number[],
  ) {
    const [frames = 0, speechFrames = 0, max = 0, best3 = 0, prev2 = 0, prev1 = 0] = state ?? [];
    this.s = { frames, speechFrames, max, best3, prev2, prev1 };
  }

  push(p: number): void {
    const s = this.s;
    if (p >= this.threshold) s.speechFrames++;
    if (p > s.max) s.max = p;
    // The window of frames i−2, i−1, i, summed in the whole-clip formula's order.
    if (s.frames >= 2) s.best3 = Math.max(s.best3, (s.prev2 + s.prev1 + p) / 3);
    s.prev2 = s.prev1;
    s.prev1 = p;
    s.frames++;
  }

  /** The summary once the clip is over. */
  end(): ClipSummary {
    const { frames, speechFrames, max, prev2, prev1 } = this.s;
    let best3 = this.s.best3;
    if (frames >= 2) best3 = Math.max(best3, (prev2 + prev1 + prev2) / 3);
    if (frames >= 1) best3 = Math.max(best3, (prev1 + prev1 + prev1) / 3);
    return { frames, speechFrames, max, best3 };
  }

  /** Its state as numbers, to resume with `new SummaryTracker(threshold, state)`. */
  state(): number[] {
    const s = this.s;
    return [s.frames, s.speechFrames, s.max, s.best3, s.prev2, s.prev1];
  }
}

/** The summary of a whole clip's probabilities. */
export function summarise(probs: ArrayLike<number>, threshold: number): ClipSummary {
  const t = new SummaryTracker(threshold);
  for (let i = 0; i < probs.length; i++) t.push(probs[i]!);
  return t.end();
}
