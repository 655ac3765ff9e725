/**
 * Band-limited resampling by windowed-sinc interpolation (Blackman window): when downsampling the
 * kernel's cut-off follows the new Nyquist frequency, so tones above it are removed instead of aliased.
 *
 * @example const at16k = resample(samples, 44_100, 16_000);
 */
export function resample(input: Float32Array, from: number, to: number, taps = 16): Float32Array {
  if (from === to) return input;
  const out = new Float32Array(Math.max(1, Math.round(input.length * (to / from))));
  resampleRange(input, from, to, taps, out, 0, out.length);
  return out;
}

/**
 * The same, yielding to the event loop every `chunk` output samples, so that a long clip does not hold
 * up the HTTP thread (a minute at 44.1 kHz is ~100 ms of arithmetic).
 */
export async function resampleAsync(input: Float32Array, from: number, to: number, taps = 16, chunk = 16_384): Promise<Float32Array> {
  if (from === to) return input;
  const out = new Float32Array(Math.max(1, Math.round(input.length * (to / from))));
  for (let start = 0; start < out.length; start += chunk) {
    resampleRange(input, from, to, taps, out, start, Math.min(out.length, start + chunk));
    if (start + chunk < out.length) await new Promise((r) => setImmediate(r));
  }
  return out;
}

function resampleRange(input: Float32Array, from: number, to: number, taps: number, out: Float32Array, begin: number, end: number): void {
  const ratio = to / from;
  const cutoff = Math.min(1, ratio) * 0.95; // a little below Nyquist for the transition band
  const half = Math.ceil(taps / Math.min(1, ratio));
  for (let i = begin; i < end; i++) {
    const center = i / ratio;
    const first = Math.max(0, Math.ceil(center - half));
    const last = Math.min(input.length - 1, Math.floor(center + half));
    let acc = 0;
    let norm = 0;
    for (let j = first; j <= last; j++) {
      const x = j - center;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * cutoff * x) / (Math.PI * cutoff * x);
      const w = 0.42 + 0.5 * Math.cos((Math.PI * x) / half) + 0.08 * Math.cos((2 * Math.PI * x) / half);
      const k = sinc * w;
      acc += input[j]! * k;
      norm += k;
    }
    out[i] = norm !== 0 ? acc / norm : 0;
  }
}
