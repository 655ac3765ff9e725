import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { postJson, useGateway } from '../support/gateway.ts';
import { decodeWav, encodeWav } from '../../plugins/audio/wav.ts';
import { resample } from '../../plugins/audio/resample.ts';

const wav = (f: string) => readFileSync(new URL(`../fixtures/audio/${f}`, import.meta.url)).toString('base64');
const VADS = ['vad-silero-v5', 'vad-silero-v6', 'vad-silero-legacy'];

/** `seconds` of near-silence at `rate` Hz with the espeak speech fixture (3.5 s) starting at each of `at`. */
function longClip(seconds: number, rate: number, at: readonly number[]): Buffer {
  const pcm = decodeWav(readFileSync(new URL('../fixtures/audio/speech.wav', import.meta.url)));
  const speech = resample(pcm.samples, pcm.sampleRate, rate);
  const out = Float32Array.from({ length: seconds * rate }, (_, i) => 0.001 * Math.sin(i * 0.37));
  for (const s of at) out.set(speech, Math.round(s * rate));
  return Buffer.from(encodeWav(out, rate));
}

/** Batches the scheduler ran for a model so far (the batch-size histogram's count). */
async function batches(url: string, model: string): Promise<number> {
  const m = await (await fetch(`${url}/metrics`)).text();
  return Number(
    new RegExp(`^massgate_inference_batch_size_count\\{model="${model}",version="1"\\} (\\d+)`, 'm').exec(m)?.[1] ?? 0,
  );
}

describe('voice activity detection on real Silero VAD models (legacy, v5, v6)', () => {
  const gw = useGateway({ LOAD_MODELS: [...VADS, 'vad-ensemble'].join(',') });

  it.each(VADS)('%s: speech in espeak speech (any format), none in silence or white noise', async (model) => {
    const r = await postJson(`${gw.url}/v1/models/${model}:predict`, {
      instances: [
        wav('speech.wav'),
        { b64: wav('speech-24k-stereo-float.wav') },
        wav('speech-8k-u8.wav'),
        wav('silence.wav'),
        wav('noise.wav'),
      ],
    });
    expect(r.status).toBe(200);
    const [speech, stereo, low, silence, noise] = r.body.predictions;
    for (const p of [speech, stereo, low]) {
      expect(p.speech).toBe(true);
      expect(p.segments[0].start_s).toBeLessThan(0.6);
    }
    expect(speech.duration_s).toBeCloseTo(3.5, 0);
    expect(speech.speech_ratio).toBeGreaterThan(0.4);
    expect(silence.speech).toBe(false);
    expect(noise.speech).toBe(false);
    expect(noise.max_probability).toBeLessThan(0.5);
  });

  it('returns frame probabilities on request, and works over v2 (frame probabilities as tensors)', async () => {
    const r = await postJson(`${gw.url}/v1/models/vad-silero-v5:predict`, {
      instances: [wav('speech.wav')],
      parameters: { frames: true },
    });
    expect(r.body.predictions[0].frames.length).toBe(Math.ceil((3.506 * 16000) / 512));
    const v2 = await postJson(`${gw.url}/v2/models/vad-silero-v5/infer`, {
      inputs: [{ name: 'audio', datatype: 'BYTES', shape: [2], data: [wav('speech.wav'), wav('noise.wav')] }],
    });
    expect(v2.status).toBe(200);
    const [probs, frames] = v2.body.outputs;
    expect(probs.name).toBe('probabilities');
    expect(frames.data).toEqual([110, 63]); // 3.51 s and 2 s of 32 ms frames
    const speechMax = Math.max(...probs.data.slice(0, 110));
    const noiseMax = Math.max(...probs.data.slice(probs.shape[1], probs.shape[1] + 63));
    expect(speechMax).toBeGreaterThan(0.9);
    expect(noiseMax).toBeLessThan(0.5);
  });

  it('analyses a two-minute 44.1 kHz clip as one scheduled batch (decoding, resampling and 3,750 frames in the worker), finding each utterance', async () => {
    const at = [10, 47.5, 90];
    const before = await batches(gw.url, 'vad-silero-v5');
    const r = await postJson(`${gw.url}/v1/models/vad-silero-v5:predict`, {
      instances: [longClip(120, 44_100, at).toString('base64')],
    });
    expect(r.status).toBe(200);
    expect((await batches(gw.url, 'vad-silero-v5')) - before).toBe(1); // one request, one round trip: was one per 32 ms frame
    const p = r.body.predictions[0];
    expect(p.duration_s).toBeCloseTo(120, 0);
    for (const s of at)
      expect(
        p.segments.some((g: { start_s: number }) => Math.abs(g.start_s - s) < 0.6),
        `speech at ${s} s`,
      ).toBe(true);
    for (const g of p.segments)
      expect(
        at.some((s) => g.start_s > s - 0.6 && g.end_s < s + 4.2),
        `segment ${JSON.stringify(g)}`,
      ).toBe(true);
  });

  it('refuses a clip over maxSeconds from its header (413), before scheduling anything', async () => {
    const before = await batches(gw.url, 'vad-silero-v5');
    const header = Buffer.from(encodeWav(new Float32Array(16), 8000));
    header.writeUInt32LE(8000 * 2 * 601, 40); // the data chunk claims 601 s…
    const r = await postJson(`${gw.url}/v1/models/vad-silero-v5:predict`, {
      instances: [Buffer.concat([header, Buffer.alloc(8000 * 2 * 601 - 32)]).toString('base64')],
    });
    expect(r.status).toBe(413);
    expect(r.body.error).toMatch(/601\.0 s; the limit is 600 s/);
    expect(await batches(gw.url, 'vad-silero-v5')).toBe(before);
  });

  it('the ensemble votes on speech', async () => {
    const r = await postJson(`${gw.url}/v1/models/vad-ensemble:predict`, {
      instances: [wav('speech.wav'), wav('noise.wav')],
      parameters: { members: true },
    });
    expect(r.status).toBe(200);
    expect(r.body.predictions.map((p: { label: string }) => p.label)).toEqual(['speech', 'no-speech']);
    expect(r.body.predictions[0].answered).toHaveLength(3);
  });

  it.each([
    ['a truncated WAV', () => wav('truncated.wav'), 400, /truncated/],
    ['an MP3', () => wav('not-wav.mp3'), 415, /MP3 audio is not supported/],
    ['not base64', () => '%%%', 400, /not base64/],
  ])('%s → %i', async (_, make, status, message) => {
    const r = await postJson(`${gw.url}/v1/models/vad-silero-v5:predict`, { instances: [make()] });
    expect(r.status).toBe(status);
    expect(r.body.error).toMatch(message);
  });
});
