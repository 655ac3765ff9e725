/**
 * Band-limited resampling by windowed-sinc interpolation (Blackman window): when downsampling the
 * kernel's cut-off follows the new Nyquist frequency, so tones above it are removed instead of aliased.
 * Rates are whole numbers of Hz: output sample i sits at input position i·from/to exactly, so the
 * kernel's weights repeat with a period of to/gcd(from, to) samples and are computed once per phase
 * (a polyphase table, while it stays under a million weights): each sample is then one dot product.
 *
 * @example const at16k = resample(samples, 44_100, 16_000);
 */
export function resample(input: Float32Array, from: number, to: number, taps = 16): Float32Array {
  if (from === to) return input;
  const out = new Float32Array(resampledLength(input.length, from, to));
  resampleRange(input, 0, input.length, kernel(from, to, taps), out, 0, 0, out.length);
  return out;
}

/** How many samples `length` input samples become at the new rate. */
export function resampledLength(length: number, from: number, to: number): number {
  return from === to ? length : Math.max(1, Math.round(length * (to / from)));
}

/** Where a StreamResampler stands: input samples received, the tail it keeps, the next output sample. */
export interface ResamplerState {
  /** Input samples received so far. */
  received: number;
  /** The next output sample to compute. */
  next: number;
  /** The input index of `tail[0]`. */
  tailStart: number;
  /** The input samples the next outputs weigh (a kernel's width or so). */
  tail: Float32Array;
}

/**
 * The same resampling as `resample`, fed a signal a part at a time, whose length is known only at
 * its end: each `push` returns the output samples its input completes, `end` the rest. Only a
 * kernel's width of input is kept between calls, and the samples are exactly those `resample` gives
 * for the whole signal, however it is cut. Its `state()` can be carried elsewhere and resumed.
 *
 * @example
 * const r = new StreamResampler(44_100, 16_000);
 * for (const part of parts) use(r.push(part));
 * use(r.end());
 */
export class StreamResampler {
  private readonly k: Kernel | undefined;
  private s: ResamplerState;

  constructor(
    readonly from: number,
    readonly to: number,
    state?: ResamplerState,
    taps = 16,
  ) {
    this.k = from === to ? undefined : kernel(from, to, taps);
    this.s = state ?? { received: 0, next: 0, tailStart: 0, tail: new Float32Array(0) };
  }

  /** More input; returns the output samples that need nothing beyond it. */
  push(input: Float32Array): Float32Array {
    const s = this.s;
    s.received += input.length;
    if (!this.k) {
      s.next += input.length;
      return input;
    }
    const tail = new Float32Array(s.tail.length + input.length);
    tail.set(s.tail);
    tail.set(input, s.tail.length);
    s.tail = tail;
    const { L, M, half } = this.k;
    // Output i needs input up to floor(i·M/L) + half: the outputs before `end` have all of theirs.
    const end = s.received - half > 0 ? Math.floor(((s.received - half) * L - 1) / M) + 1 : 0;
    return this.produce(Math.max(s.next, end), s.received);
  }

  /** The input has ended: the remaining output samples (up to `resampledLength` of all the input). */
  end(): Float32Array {
    const s = this.s;
    if (!this.k) return new Float32Array(0);
    return this.produce(resampledLength(s.received, this.from, this.to), s.received);
  }

  /** Where it stands, to resume with `new StreamResampler(from, to, state)`. */
  state(): ResamplerState {
    return this.s;
  }

  /**
   * Output samples [next, end) from the tail, `total` input samples known. Before the input's end that
   * is `received`: the outputs computed then reach no sample past it, so their weights are those the
   * whole signal gives (resampleRange's window is cut only at the signal's real ends).
   */
  private produce(end: number, total: number): Float32Array {
    const s = this.s;
    const k = this.k!;
    const out = new Float32Array(end - s.next);
    if (out.length) resampleRange(s.tail, s.tailStart, total, k, out, s.next, s.next, end);
    s.next = end;
    const keep = Math.max(0, Math.floor((end * k.M) / k.L) - k.half);
    if (keep > s.tailStart) {
      s.tail = s.tail.slice(Math.min(s.tail.length, keep - s.tailStart));
      s.tailStart = keep;
    }
    return out;
  }
}

/** A resampling kernel: input position of output i = i·M/L; weights per phase when they fit a table. */
interface Kernel {
  L: number;
  M: number;
  half: number;
  cutoff: number;
  /** Weights of taps base − half … base + half for each phase (L rows of 2·half + 1), and their sums. */
  table?: Float64Array;
  norm?: Float64Array;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The windowed sinc's weight at distance x from the centre. */
function weight(x: number, cutoff: number, half: number): number {
  const sinc = x === 0 ? 1 : Math.sin(Math.PI * cutoff * x) / (Math.PI * cutoff * x);
  return sinc * (0.42 + 0.5 * Math.cos((Math.PI * x) / half) + 0.08 * Math.cos((2 * Math.PI * x) / half));
}

function kernel(from: number, to: number, taps: number): Kernel {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from <= 0 || to <= 0)
    throw new RangeError(`sample rates must be positive whole numbers of Hz (${from} → ${to})`);
  const g = gcd(from, to);
  const L = to / g,
    M = from / g;
  const ratio = to / from;
  const cutoff = Math.min(1, ratio) * 0.95; // a little below Nyquist for the transition band
  const half = Math.ceil(taps / Math.min(1, ratio));
  const width = 2 * half + 1;
  if (L * width > 1 << 20) return { L, M, half, cutoff };
  const table = new Float64Array(L * width);
  const norm = new Float64Array(L);
  for (let p = 0; p < L; p++) {
    for (let t = 0; t < width; t++) {
      const x = t - half - p / L;
      const w = x < -half ? 0 : weight(x, cutoff, half); // past the window when the centre is between samples
      table[p * width + t] = w;
      norm[p] = norm[p]! + w;
    }
  }
  return { L, M, half, cutoff, table, norm };
}

/**
 * Output samples [begin, end) into `out` (whose first element is output sample `outStart`), from `src`,
 * which holds input samples [srcStart, srcStart + src.length) of a signal of `total` samples. Near the
 * signal's ends (or without a table) the window is cut to the signal and its weights computed in place.
 */
function resampleRange(
  src: Float32Array,
  srcStart: number,
  total: number,
  k: Kernel,
  out: Float32Array,
  outStart: number,
  begin: number,
  end: number,
): void {
  const { L, M, half, cutoff, table, norm } = k;
  const width = 2 * half + 1;
  for (let i = begin; i < end; i++) {
    const base = Math.floor((i * M) / L);
    const phase = i * M - base * L;
    if (table && norm && base - half >= 0 && base + half <= total - 1) {
      let acc = 0;
      const row = phase * width;
      const at = base - half - srcStart;
      for (let t = 0; t < width; t++) acc += src[at + t]! * table[row + t]!;
      out[i - outStart] = norm[phase] !== 0 ? acc / norm[phase]! : 0;
      continue;
    }
    const center = base + phase / L;
    const first = Math.max(0, Math.ceil(center - half));
    const last = Math.min(total - 1, Math.floor(center + half));
    let acc = 0;
    let norm1 = 0;
    for (let j = first; j <= last; j++) {
      const w = weight(j - center, cutoff, half);
      acc += src[j - srcStart]! * w;
      norm1 += w;
    }
    out[i - outStart] = norm1 !== 0 ? acc / norm1 : 0;
  }
}
