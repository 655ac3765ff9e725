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

/** A signal read a range at a time (a WAV's data chunk, say): `read(start, count)` returns those samples. */
interface SampleSource {
  readonly length: number;
  read(start: number, count: number): Float32Array;
}

/** How many samples `length` input samples become at the new rate. */
export function resampledLength(length: number, from: number, to: number): number {
  return from === to ? length : Math.max(1, Math.round(length * (to / from)));
}

/**
 * The same resampling a block of `block` output samples at a time (the last block shorter), reading only
 * the input each block needs: memory stays proportional to the block whatever the signal's length, and
 * the samples are exactly those `resample` gives for the whole signal.
 *
 * @example for (const part of resampleBlocks({ length: n, read: (s, c) => readMono(wav, s, c) }, 44_100, 16_000)) use(part);
 */
export function* resampleBlocks(
  source: SampleSource,
  from: number,
  to: number,
  block = 32_768,
  taps = 16,
): Generator<Float32Array> {
  const total = resampledLength(source.length, from, to);
  const k = from === to ? undefined : kernel(from, to, taps);
  for (let begin = 0; begin < total; begin += block) {
    const end = Math.min(total, begin + block);
    if (!k) {
      yield source.read(begin, end - begin);
      continue;
    }
    // The input samples that output samples [begin, end) weigh.
    const lo = Math.max(0, Math.floor((begin * k.M) / k.L) - k.half);
    const hi = Math.min(source.length - 1, Math.floor(((end - 1) * k.M) / k.L) + k.half);
    const out = new Float32Array(end - begin);
    resampleRange(source.read(lo, hi - lo + 1), lo, source.length, k, out, begin, begin, end);
    yield out;
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
