import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeWav, encodeWav, readMono, readWavHeader, wavStart } from './wav.ts';
import { resample, StreamResampler } from './resample.ts';
import { Framer } from './frames.ts';
import { SegmentTracker, segments } from './segments.ts';
import { summarise, SummaryTracker } from './summary.ts';

/** `x` cut into parts of random lengths (a seeded generator: the same cuts every run), some empty. */
function cuts(x: Float32Array, max: number, seed = 7): Float32Array[] {
  const parts: Float32Array[] = [];
  for (let at = 0; at < x.length; ) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const n = seed % (max + 1);
    parts.push(x.slice(at, at + n));
    at += n;
  }
  return parts;
}

const joined = (parts: readonly Float32Array[]) => {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const fixture = (f: string) => readFileSync(new URL(`../../test/fixtures/audio/${f}`, import.meta.url));
const sine = (hz: number, rate: number, seconds = 0.5, amp = 0.5) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rate));
/** Amplitude of frequency `hz` in `x` (one DFT bin), ignoring the edges. */
function amplitude(x: Float32Array, rate: number, hz: number): number {
  const s = x.subarray(200, x.length - 200);
  let re = 0,
    im = 0;
  s.forEach((v, i) => {
    re += v * Math.cos((2 * Math.PI * hz * i) / rate);
    im -= v * Math.sin((2 * Math.PI * hz * i) / rate);
  });
  return (2 * Math.hypot(re, im)) / s.length;
}

describe('WAV decoding', () => {
  it('reads espeak-ng speech: 22.05 kHz mono 16-bit', () => {
    const pcm = decodeWav(fixture('speech.wav'));
    expect([pcm.sampleRate, pcm.channels, pcm.bitsPerSample, pcm.format]).toEqual([22050, 1, 16, 'pcm']);
    expect(pcm.samples.length / pcm.sampleRate).toBeCloseTo(3.51, 1);
    expect(Math.max(...pcm.samples.map(Math.abs))).toBeGreaterThan(0.1);
  });
  it('reads 32-bit float stereo and 8-bit unsigned (sox conversions)', () => {
    const f = decodeWav(fixture('speech-24k-stereo-float.wav'));
    expect([f.sampleRate, f.channels, f.format]).toEqual([24000, 2, 'float']);
    const u8 = decodeWav(fixture('speech-8k-u8.wav'));
    expect([u8.sampleRate, u8.bitsPerSample]).toEqual([8000, 8]);
  });
  it.each([16, 8, 32] as const)('round-trips %i-bit PCM', (bits) => {
    const x = sine(440, 16000, 0.1);
    const back = decodeWav(encodeWav(x, 16000, { bits })).samples;
    back.forEach((v, i) => {
      expect(Math.abs(v - x[i]!)).toBeLessThan(bits === 8 ? 0.02 : 1e-3);
    });
  });
  it('averages channels to mono', () => {
    const interleaved = Float32Array.from({ length: 200 }, (_, i) => (i % 2 ? 0.5 : -0.1));
    const pcm = decodeWav(encodeWav(interleaved, 16000, { channels: 2, float: true }));
    expect(pcm.samples[0]).toBeCloseTo(0.2, 5);
  });
  it('refuses truncated and foreign files clearly', () => {
    expect(() => decodeWav(fixture('truncated.wav'))).toThrow(
      expect.objectContaining({ code: 'INVALID_AUDIO', message: expect.stringMatching(/truncated/) }),
    );
    expect(() => decodeWav(fixture('not-wav.mp3'))).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringMatching(/MP3/) }),
    );
    expect(() => decodeWav(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: 'INVALID_AUDIO' }));
    expect(() => decodeWav(fixture('speech.wav'), { maxSeconds: 1 })).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }),
    );
  });
});

describe('resampling', () => {
  it.each([44100, 48000, 22050, 8000])('keeps a 1 kHz tone at %i Hz → 16 kHz', (rate) => {
    const out = resample(sine(1000, rate), rate, 16000);
    expect(out.length).toBe(Math.round(0.5 * 16000));
    expect(amplitude(out, 16000, 1000)).toBeCloseTo(0.5, 1);
  });
  it.each([44100, 48000, 22050, 8000, 16000, 11025])(
    'gives exactly the same samples fed in parts of any length (%i Hz), keeping only a kernel of input, and resumes from its state',
    (rate) => {
      const x = sine(1000, rate, 1.3);
      let r = new StreamResampler(rate, 16000);
      const out: Float32Array[] = [];
      let widest = 0;
      for (const [i, part] of cuts(x, 3000).entries()) {
        out.push(r.push(part));
        widest = Math.max(widest, r.state().tail.length);
        if (i % 3 === 2) r = new StreamResampler(rate, 16000, structuredClone(r.state())); // carried to another thread
      }
      out.push(r.end());
      expect(joined(out)).toEqual(resample(x, rate, 16000));
      expect(widest).toBeLessThan(3000 + 2000);
    },
  );

  it('removes a tone above the new Nyquist frequency instead of aliasing it', () => {
    const out = resample(sine(12000, 48000), 48000, 16000);
    expect(amplitude(out, 16000, 4000)).toBeLessThan(0.01); // 12 kHz would alias to 4 kHz
    expect(Math.max(...out.subarray(100, out.length - 100).map(Math.abs))).toBeLessThan(0.05); // away from the edges
  });
});

describe('cutting a signal into frames', () => {
  it('gives each window (context before it, zeros past either end) from parts of any length, keeping only the next window', () => {
    const x = Float32Array.from({ length: 2500 }, (_, i) => i + 1);
    let framer = new Framer(512, 64);
    const windows: number[][] = [];
    const out = new Float32Array(576);
    for (const part of cuts(x, 700)) {
      framer.push(part);
      while (framer.window(out, 0)) windows.push(Array.from(out));
      expect(framer.state().tail.length).toBeLessThanOrEqual(576 + 700);
      framer = new Framer(512, 64, framer.state());
    }
    expect(windows.length).toBe(Math.floor((2500 - 448) / 512)); // complete windows only, before the end
    framer.end();
    while (framer.window(out, 0)) windows.push(Array.from(out));
    expect(windows.length).toBe(Math.ceil(2500 / 512));
    windows.forEach((w, i) => {
      expect(w, `frame ${i}`).toEqual(Array.from({ length: 576 }, (_, k) => x[i * 512 - 64 + k] ?? 0));
    });
  });
});

describe('a WAV header alone', () => {
  it('is found from the first bytes of a stream, saying what is missing until the data chunk starts', () => {
    const bytes = fixture('speech.wav');
    expect(wavStart(bytes.subarray(0, 8))).toEqual({ missing: 'not a WAV file (no RIFF/WAVE header)' });
    expect(wavStart(bytes.subarray(0, 20))).toEqual({ missing: 'truncated fmt chunk' });
    expect(wavStart(bytes.subarray(0, 40))).toEqual({ missing: 'no data chunk' });
    expect(wavStart(bytes.subarray(0, 44))).toMatchObject({ sampleRate: 22050, channels: 1, dataOffset: 44 });
    expect(() => wavStart(fixture('not-wav.mp3'))).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE' }));
  });

  it('is checked without decoding, and any range of frames decodes to the same samples as the whole file', () => {
    const bytes = fixture('speech-24k-stereo-float.wav');
    const info = readWavHeader(bytes);
    expect([info.sampleRate, info.channels, info.format]).toEqual([24000, 2, 'float']);
    const whole = decodeWav(bytes).samples;
    expect(info.frames).toBe(whole.length);
    expect(readMono(info, 1000, 300)).toEqual(whole.subarray(1000, 1300));
    expect(() => readWavHeader(fixture('speech.wav'), { maxSeconds: 1 })).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }),
    );
  });
});

describe('speech segments', () => {
  const p = { threshold: 0.5, minSilenceMs: 100, minSpeechMs: 250 };
  it('applies hysteresis and minimum durations (32 ms frames)', () => {
    const frames = [0, 0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.4, 0.9, 0.1, 0.1, 0.1, 0.1, 0, 0.95, 0];
    expect(segments(frames, 0.032, p)).toEqual([{ start_s: 0.064, end_s: 0.384 }]); // 0.4 is above 0.35: still speech; the lone 0.95 is too short
  });
  it('finds the same segments frame by frame, resumed from its state at any frame, as over the whole clip', () => {
    let seed = 3;
    const probs = Array.from({ length: 3000 }, (_, i) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.sin(i / 40) > 0.3 ? 0.6 + (seed % 400) / 1000 : (seed % 450) / 1000; // speech bursts with dips
    });
    let t = new SegmentTracker(p, 0.032);
    const found: Array<[number, number]> = [];
    probs.forEach((v, i) => {
      const s = t.push(v);
      if (s) found.push(s);
      if (i % 97 === 0) t = new SegmentTracker(p, 0.032, t.state());
    });
    const last = t.end();
    if (last) found.push(last);
    const whole = segments(probs, 0.032, p);
    expect(whole.length).toBeGreaterThan(10);
    expect(found.map(([a, b]) => ({ start_s: +(a * 0.032).toFixed(3), end_s: +(b * 0.032).toFixed(3) }))).toEqual(
      whole,
    );
  });
});

describe('a clip summary', () => {
  it('gives the whole-clip figures however the frames come (the best 3-frame mean repeating the last frames at the end)', () => {
    const naive = (q: number[]) => {
      let best = 0;
      for (let i = 0; i < q.length; i++) best = Math.max(best, (q[i]! + (q[i + 1] ?? q[i]!) + (q[i + 2] ?? q[i]!)) / 3);
      return best;
    };
    for (const q of [[0.2], [0.1, 0.9], [0.1, 0.2, 0.95], [0.3, 0.1, 0.6, 0.7, 0.2, 0.4, 0.9, 0.8]]) {
      let t = new SummaryTracker(0.5);
      q.forEach((v) => {
        t.push(v);
        t = new SummaryTracker(0.5, t.state());
      });
      const s = t.end();
      expect(s).toEqual(summarise(q, 0.5));
      expect(s.best3).toBe(naive(q));
      expect([s.frames, s.speechFrames, s.max]).toEqual([q.length, q.filter((v) => v >= 0.5).length, Math.max(...q)]);
    }
  });
});
