import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { postJson, getJson, useGateway } from '../support/gateway.ts';

const fixture = (f: string) => readFileSync(new URL(`../fixtures/images/${f}`, import.meta.url)).toString('base64');

describe("image ensemble of nsfwjs's three real classifiers", () => {
  const gw = useGateway({ LOAD_MODELS: 'nsfw-mobilenet-v2,nsfw-mobilenet-v2-mid,nsfw-inception-v3,nsfw-ensemble' });

  it('soft-votes the three members (layers and graph models, 224² and 299² inputs) over the same labels', async () => {
    const meta = await getJson(`${gw.url}/v2/models/nsfw-ensemble`);
    expect(meta.body.parameters.ensemble.members.map((m: { model: string }) => m.model)).toEqual([
      'nsfw-mobilenet-v2',
      'nsfw-mobilenet-v2-mid',
      'nsfw-inception-v3',
    ]);
    const r = await postJson(`${gw.url}/v1/models/nsfw-ensemble:predict`, {
      instances: [fixture('chelsea.jpg'), fixture('rocket.jpg')],
      parameters: { members: true },
    });
    expect(r.status).toBe(200);
    for (const p of r.body.predictions) {
      expect(p.label).toBe('Neutral');
      expect(p.answered).toHaveLength(3);
      const members = Object.values(p.members) as Array<{ probabilities: number[] }>;
      // The combined probability is the mean of the members' (soft voting).
      const neutral = meta.body.parameters.labels.indexOf('Neutral');
      const mean = members.reduce((s, m) => s + m.probabilities[neutral]!, 0) / 3;
      expect(p.score).toBeCloseTo(mean, 5);
    }
  });
});
