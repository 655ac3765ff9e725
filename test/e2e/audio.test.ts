import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { postJson, useGateway } from '../support/gateway.ts';

const wav = (f: string) => readFileSync(new URL(`../fixtures/audio/${f}`, import.meta.url)).toString('base64');
const VADS = ['vad-silero-v5', 'vad-silero-v6', 'vad-silero-legacy'];

describe('voice activity detection on real Silero VAD models (legacy, v5, v6)', () => {
  const gw = useGateway({ LOAD_MODELS: [...VADS, 'vad-ensemble'].join(',') });

  it.each(VADS)('%s: speech in espeak speech (any format), none in silence or white noise', async (model) => {
    const r = await postJson(`${gw.url}/v1/models/${model}:predict`, {
      instances: [wav('speech.wav'), { b64: wav('speech-24k-stereo-float.wav') }, wav('speech-8k-u8.wav'), wav('silence.wav'), wav('noise.wav')],
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
    const r = await postJson(`${gw.url}/v1/models/vad-silero-v5:predict`, { instances: [wav('speech.wav')], parameters: { frames: true } });
    expect(r.body.predictions[0].frames.length).toBe(Math.ceil((3.506 * 16000) / 512));
    const v2 = await postJson(`${gw.url}/v2/models/vad-silero-v5/infer`, { inputs: [{ name: 'audio', datatype: 'BYTES', shape: [2], data: [wav('speech.wav'), wav('noise.wav')] }] });
    expect(v2.status).toBe(200);
    const [probs, frames] = v2.body.outputs;
    expect(probs.name).toBe('probabilities');
    expect(frames.data).toEqual([110, 63]); // 3.51 s and 2 s of 32 ms frames
    const speechMax = Math.max(...probs.data.slice(0, 110));
    const noiseMax = Math.max(...probs.data.slice(probs.shape[1], probs.shape[1] + 63));
    expect(speechMax).toBeGreaterThan(0.9);
    expect(noiseMax).toBeLessThan(0.5);
  });

  it('the ensemble votes on speech', async () => {
    const r = await postJson(`${gw.url}/v1/models/vad-ensemble:predict`, { instances: [wav('speech.wav'), wav('noise.wav')], parameters: { members: true } });
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
