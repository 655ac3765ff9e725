import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { getJson, postJson, startGateway, type RunningGateway } from '../support/gateway.ts';
import { storeWithShippedModel } from '../support/tiny-models.ts';
import { documentImages, photoImages, PHOTO_SOURCES } from '../support/finetune-data.ts';
import { followJob } from '../support/jobs.ts';

const MODEL = 'emotion-human'; // a TensorFlow.js graph model: features from an internal node ([8, 8, 256])
const face = readFileSync(new URL('../fixtures/images/astronaut-face.jpg', import.meta.url)).toString('base64');

describe('fine-tuning a second image model (emotion-human) and deploying it as a canary', () => {
  let gw: RunningGateway;
  let examples: Array<{ label: string; b64: string }>;

  beforeAll(async () => {
    gw = await startGateway({
      MODEL_STORE: storeWithShippedModel(MODEL, {}, ['face-detector']),
      FINETUNE_CPU_SHARE: '1',
    });
    const [docs, photos] = await Promise.all([documentImages(12, 11), photoImages(PHOTO_SOURCES.train, 12, 12)]);
    // A canary shares labels with the version it runs beside (an experiment compares their answers): 'neutral' is one
    // of the model's.
    examples = [
      ...docs.map((d) => ({ label: 'page', b64: d.toString('base64') })),
      ...photos.map((p) => ({ label: 'neutral', b64: p.toString('base64') })),
    ];
  });
  afterAll(() => gw?.close());

  it('a canary whose labels have nothing in common with the served version is refused before training', async () => {
    const other = examples.map((e) => ({ ...e, label: e.label === 'neutral' ? 'picture' : e.label }));
    const r = await postJson(`${gw.url}/v1/models/${MODEL}/finetune`, {
      examples: other,
      options: { deploy: { mode: 'canary' } },
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/incompatible/);
    expect((await getJson(`${gw.url}/v1/jobs?model=${MODEL}`)).body.jobs).toEqual([]);
  });

  it("publishes version 2 and routes a share of the model's own traffic to it; promote makes it the default", async () => {
    const started = await postJson(`${gw.url}/v1/models/${MODEL}/finetune`, {
      examples,
      options: { epochs: 15, learningRate: 0.01, seed: 5, minAccuracy: 0.5, deploy: { mode: 'canary', weight: 50 } },
    });
    expect(started.status).toBe(202);
    const { job } = await followJob(gw.url, started.body.id);
    expect(job.state, job.error).toBe('succeeded');
    expect(job.result).toMatchObject({
      version: 2,
      deploy: { mode: 'canary', experiment: MODEL, weight: 50, previousDefault: 1 },
    });
    // The model's own name now routes between stable (version 1) and the candidate (version 2), sticky per key.
    const served = new Map<string, Set<string>>();
    for (let k = 0; k < 40; k++) {
      const res = await fetch(`${gw.url}/v1/models/${MODEL}:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': `user-${k}` },
        body: JSON.stringify({ instances: [face] }),
      });
      expect(res.status).toBe(200);
      const body = await res.json();
      const variant = res.headers.get('massgate-variant')!;
      if (!served.has(variant)) served.set(variant, new Set());
      served.get(variant)!.add(body.predictions[0].label);
    }
    expect([...served.keys()].sort()).toEqual(['candidate', 'stable']);
    expect([...served.get('candidate')!].every((l) => ['page', 'neutral'].includes(l))).toBe(true);
    expect(
      [...served.get('stable')!].every((l) =>
        ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'].includes(l),
      ),
    ).toBe(true);
    // Asking for a version bypasses the canary.
    const direct = await postJson(`${gw.url}/v2/models/${MODEL}/versions/1/infer`, {
      inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [face] }],
    });
    expect(direct.status).toBe(200);
    expect(direct.body.model_version).toBe('1');
    expect(direct.body.parameters?.variant).toBeUndefined();
    const promoted = await postJson(`${gw.url}/v1/experiments/${MODEL}/promote`, { variant: 'candidate', end: true });
    expect(promoted.status).toBe(200);
    const after = await postJson(`${gw.url}/v1/models/${MODEL}:predict`, { instances: [face] });
    expect(after.headers.get('massgate-variant')).toBeNull(); // the experiment ended: the model answers alone
    expect(['page', 'neutral']).toContain(after.body.predictions[0].label);
    expect((await getJson(`${gw.url}/v2/models/${MODEL}`)).body.parameters.version_labels.stable).toBe(2);
  });
});
