import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { postJson, getJson, useGateway } from '../support/gateway.ts';

const face = readFileSync(new URL('../fixtures/images/astronaut-face.jpg', import.meta.url)).toString('base64');

describe('facial expression: face-api (rebuilt on ONNX) and Human (TensorFlow.js), and their ensemble', () => {
  const gw = useGateway({ LOAD_MODELS: 'emotion-faceapi,emotion-human,emotion-ensemble' });

  it('both real models see the smiling astronaut as happy', async () => {
    for (const model of ['emotion-faceapi', 'emotion-human']) {
      const r = await postJson(`${gw.url}/v1/models/${model}:predict`, { instances: [face] });
      expect(r.status).toBe(200);
      expect(r.body.predictions[0].label).toBe('happy');
      expect(r.body.predictions[0].score).toBeGreaterThan(0.8);
    }
  });

  it('the ensemble spans two runtimes and aligns differently ordered and spelled labels', async () => {
    const [a, b] = await Promise.all([
      getJson(`${gw.url}/v2/models/emotion-faceapi`),
      getJson(`${gw.url}/v2/models/emotion-human`),
    ]);
    expect(a.body.parameters.runtime).toBe('faceapi');
    expect(b.body.parameters.runtime).toBe('tfjs');
    const meta = await getJson(`${gw.url}/v2/models/emotion-ensemble`);
    expect(meta.body.parameters.labels).toEqual([
      'neutral',
      'happy',
      'sad',
      'angry',
      'fearful',
      'disgusted',
      'surprised',
    ]);
    const r = await postJson(`${gw.url}/v1/models/emotion-ensemble:predict`, {
      instances: [face],
      parameters: { members: true },
    });
    expect(r.status).toBe(200);
    const p = r.body.predictions[0];
    expect(p.label).toBe('happy');
    expect(p.answered).toEqual(['emotion-faceapi', 'emotion-human']);
    expect(p.members['emotion-human'].label).toBe('happy');
  });
});
