/**
 * Windows of a signal that arrives in consecutive blocks (decoded and resampled as it is read), for a
 * frame loop: each window may reach back before the previous one's end (a model's context samples);
 * samples outside [0, length) read as zeros. Only the blocks the current window needs are kept, so
 * memory does not grow with the signal. Windows must not start before an earlier window's start.
 *
 * @example
 * const reader = new WindowReader(resampleBlocks(source, 44_100, 16_000), n);
 * reader.read(i * 512 - 64, 576, input, 0);
 */
export class WindowReader {
  private buf = new Float32Array(0);
  /** The signal index of buf[0]. */
  private bufStart = 0;
  private ended = false;

  constructor(
    private readonly blocks: Iterator<Float32Array>,
    readonly length: number,
  ) {}

  /** Writes samples [start, start + width) to `out` from `offset` on. */
  read(start: number, width: number, out: Float32Array, offset: number): void {
    const need = Math.min(start + width, this.length);
    while (!this.ended && this.bufStart + this.buf.length < need) {
      const next = this.blocks.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const drop = Math.max(0, Math.min(this.buf.length, start - this.bufStart)); // before this window: never read again
      const kept = this.buf.subarray(drop);
      const merged = new Float32Array(kept.length + next.value.length);
      merged.set(kept);
      merged.set(next.value, kept.length);
      this.buf = merged;
      this.bufStart += drop;
    }
    const bufEnd = this.bufStart + this.buf.length;
    for (let k = 0; k < width; k++) {
      const at = start + k;
      out[offset + k] =
        at >= 0 && at < this.length && at >= this.bufStart && at < bufEnd ? this.buf[at - this.bufStart]! : 0;
    }
  }
}
