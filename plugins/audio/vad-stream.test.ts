import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packageDir } from '../../core/package-dir.ts';
import { onnxRuntime } from '../../runtimes/onnx/index.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { contextFor } from '../conformance.ts';
import type { StreamSession } from '../stream.ts';
import { resample } from './resample.ts';
import { sileroVad } from './vad.ts';
import { vadStream } from './vad-stream.ts';
import { decodeWav, encodeWav } from './wav.ts';

const params = sileroVad.params!.parse({});
const sessions = new Map<string, Promise<RuntimeSession>>();
const load = (file: string) => {
  if (!sessions.has(file))
    sessions.set(file, onnxRuntime.load({ path: `${packageDir('@ricky0123/vad-web')}/dist/${file}` }));
  return sessions.get(file)!;
};
/** A plugin context and the worker step's context over a real Silero session, the step run in this thread. */
async function contexts(file: string) {
  const session = await load(file);
  const ctx = contextFor(session, { params });
  const stepCtx = { ...ctx, signal: new AbortController().signal };
  return {
    ctx,
    step: (feeds: Parameters<NonNullable<typeof sileroVad.step>['run']>[0]) => sileroVad.step!.run(feeds, stepCtx),
  };
}

const SPEECH = decodeWav(readFileSync(new URL('../../test/fixtures/audio/speech.wav', import.meta.url)));
/** `seconds` of faint noise at `rate` Hz with the espeak speech fixture (3.5 s) starting at each of `at`. */
function clip(seconds: number, rate: number, at: readonly number[]): Uint8Array {
  const speech = resample(SPEECH.samples, SPEECH.sampleRate, rate);
  const out = Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => 0.002 * Math.sin(i * 0.37));
  for (const s of at) out.set(speech, Math.round(s * rate));
  return encodeWav(out, rate);
}

/** Writes `bytes` to a session in parts of varying size (single bytes through the header) and runs its chunks. */
async function drive(session: StreamSession, bytes: Uint8Array, step: (f: never) => Promise<never>) {
  const events: unknown[] = [];
  const run = async () => {
    while (session.ready()) events.push(...session.took(await step(session.next() as never)));
  };
  let seed = 11;
  for (let at = 0; at < bytes.length; ) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const n = at < 64 ? 1 : 1 + (seed % 90_000);
    session.write(bytes.subarray(at, at + n));
    at += n;
    await run();
  }
  session.end();
  await run();
  expect(session.done).toBe(true);
  return { result: session.result(), events };
}

describe('a streamed WAV through Silero VAD (chunk after chunk, the state carried)', () => {
  const at = [3, 17.2, 31];
  const bytes = clip(40, 44_100, at);

  it.each(['silero_vad_v5.onnx', 'silero_vad_v6.onnx', 'silero_vad_legacy.onnx'])(
    '%s: the same answer (segments, summary, every frame) as the whole clip, cut at 1.7 s chunks that split frames and the resampler',
    async (file) => {
      const { ctx, step } = await contexts(file);
      const items = [await sileroVad.parseInstance(Buffer.from(bytes).toString('base64'), ctx)];
      const whole = sileroVad.postprocess(await step(await sileroVad.preprocess(items, ctx)), ctx, items, {
        frames: true,
      })[0] as { segments: Array<{ start_s: number; end_s: number }> };
      const { result, events } = await drive(vadStream.open(ctx, { frames: true, chunk_s: 1.7 }), bytes, step as never);
      expect(result).toEqual(whole);
      expect(events).toEqual(whole.segments.map((segment) => ({ segment })));
      // …and the segments are where the speech is.
      for (const s of at)
        expect(
          whole.segments.some((g) => Math.abs(g.start_s - s) < 0.6),
          `speech at ${s} s`,
        ).toBe(true);
      for (const g of whole.segments) expect(at.some((s) => g.start_s > s - 0.6 && g.end_s < s + 4.2)).toBe(true);
    },
  );

  it('refuses a bad body clearly, from its first bytes where it can', async () => {
    const { ctx } = await contexts('silero_vad_v5.onnx');
    const open = () => vadStream.open(ctx, {});
    const refused = (write: (s: StreamSession) => void) => {
      const s = open();
      try {
        write(s);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const fixture = (f: string) => readFileSync(new URL(`../../test/fixtures/audio/${f}`, import.meta.url));
    expect(refused((s) => s.write(fixture('not-wav.mp3')))).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(refused((s) => s.write(Buffer.from('{"instances": []}')))).toMatchObject({ code: 'INVALID_AUDIO' });
    expect(
      refused((s) => {
        s.write(fixture('truncated.wav'));
        s.end();
      }),
    ).toMatchObject({
      code: 'INVALID_AUDIO',
      message: expect.stringMatching(/truncated/),
    });
    expect(
      refused((s) => {
        s.write(bytes.subarray(0, 30));
        s.end();
      }),
    ).toMatchObject({ code: 'INVALID_AUDIO' });
    expect(
      refused((s) => {
        s.write(bytes.subarray(0, 44));
        s.end();
      }),
    ).toMatchObject({ code: 'INVALID_AUDIO' });
    // A header that declares more than maxStreamSeconds is refused before any audio.
    const long = Buffer.from(bytes.subarray(0, 44));
    long.writeUInt32LE(16_000 * 2 * (params.maxStreamSeconds + 1), 40);
    long.writeUInt32LE(16_000, 24);
    expect(refused((s) => s.write(long))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    // A header that never reaches its data chunk.
    const junk = Buffer.alloc(2 << 20);
    Buffer.from(bytes.subarray(0, 36)).copy(junk);
    junk.write('JUNK', 36);
    junk.writeUInt32LE(junk.length, 40);
    expect(refused((s) => s.write(junk))).toMatchObject({ code: 'INVALID_AUDIO', message: /no data chunk/ });
    expect(() => vadStream.open(ctx, { chunk_s: 0.01 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
