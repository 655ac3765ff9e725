import { GatewayError } from '../../core/errors.ts';

/**
 * A stream's state packed as one FP64 vector, to travel with a chunk to the worker and back: numbers as
 * they are, float arrays prefixed with their length (float32 values are exact in float64).
 *
 * @example const packed = packCarry([1, 2, new Float32Array([0.5])]); const r = new CarryReader(packed);
 */
export function packCarry(parts: ReadonlyArray<number | Float32Array>): Float64Array {
  const size = parts.reduce<number>((n, p) => n + (typeof p === 'number' ? 1 : 1 + p.length), 0);
  const out = new Float64Array(size);
  let at = 0;
  for (const p of parts) {
    if (typeof p === 'number') out[at++] = p;
    else {
      out[at++] = p.length;
      out.set(p, at);
      at += p.length;
    }
  }
  return out;
}

/** Reads a packed carry back in the order it was packed; a malformed one is INVALID_INPUT. */
export class CarryReader {
  private at = 0;

  constructor(private readonly data: Float64Array) {}

  number(): number {
    if (this.at >= this.data.length) throw malformed();
    return this.data[this.at++]!;
  }

  /** A non-negative whole number (an index, a count). */
  count(): number {
    const n = this.number();
    if (!Number.isSafeInteger(n) || n < 0) throw malformed();
    return n;
  }

  /** A float array of at most `max` elements. */
  floats(max: number): Float32Array {
    const n = this.count();
    if (n > max || this.at + n > this.data.length) throw malformed();
    const out = Float32Array.from(this.data.subarray(this.at, this.at + n));
    this.at += n;
    return out;
  }

  /** Throws unless every element was read. */
  done(): void {
    if (this.at !== this.data.length) throw malformed();
  }
}

const malformed = () => new GatewayError('INVALID_INPUT', 'malformed stream carry');
