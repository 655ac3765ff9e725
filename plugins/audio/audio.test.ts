import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeWav, encodeWav, readMono, readWavHeader } from './wav.ts';
import { resample, resampleBlocks } from './resample.ts';
import { WindowReader } from './frames.ts';
import { segments } from './vad.ts';

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
  it.each([44100, 8000, 16000])(
    'gives exactly the same samples block by block (%i Hz), reading only what each block needs',
    (rate) => {
      const x = sine(1000, rate, 1);
      let widest = 0;
      const source = {
        length: x.length,
        read: (start: number, count: number) => {
          widest = Math.max(widest, count);
          return x.slice(start, start + count);
        },
      };
      const blocks = [...resampleBlocks(source, rate, 16000, 1000)];
      expect(blocks.slice(0, -1).every((b) => b.length === 1000)).toBe(true);
      const joined = new Float32Array(blocks.reduce((n, b) => n + b.length, 0));
      let at = 0;
      for (const b of blocks) {
        joined.set(b, at);
        at += b.length;
      }
      expect(joined).toEqual(resample(x, rate, 16000));
      expect(widest).toBeLessThan(x.length / 2);
    },
  );

  it('removes a tone above the new Nyquist frequency instead of aliasing it', () => {
    const out = resample(sine(12000, 48000), 48000, 16000);
    expect(amplitude(out, 16000, 4000)).toBeLessThan(0.01); // 12 kHz would alias to 4 kHz
    expect(Math.max(...out.subarray(100, out.length - 100).map(Math.abs))).toBeLessThan(0.05); // away from the edges
  });
});

describe('reading a long signal in windows', () => {
  it('gives each window (with context before it and zeros past either end) from blocks, keeping only the current ones', () => {
    const x = Float32Array.from({ length: 2500 }, (_, i) => i + 1);
    const blocks = function* () {
      for (let at = 0; at < x.length; at += 700) yield x.slice(at, at + 700);
    };
    const reader = new WindowReader(blocks(), x.length);
    const frames = Math.ceil(x.length / 512);
    for (let i = 0; i < frames; i++) {
      const out = new Float32Array(576);
      reader.read(i * 512 - 64, 576, out, 0);
      expect(Array.from(out), `frame ${i}`).toEqual(Array.from({ length: 576 }, (_, k) => x[i * 512 - 64 + k] ?? 0));
      expect((reader as unknown as { buf: Float32Array }).buf.length).toBeLessThanOrEqual(576 + 700);
    }
  });
});

describe('a WAV header alone', () => {
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
});
